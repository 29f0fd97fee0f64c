// "My invites": whom I brought, what I earned and why. Reads only the signed-in user's own data.
const { rewardsView, day } = require('./words.js');

Page({
  data: { loading: true, error: '', held: '0.00', payable: '0.00', settled: '0.00', entries: [], invites: [], cursor: null },

  onLoad() {
    this.refresh();
  },

  onPullDownRefresh() {
    this.refresh().then(() => wx.stopPullDownRefresh());
  },

  onReachBottom() {
    if (this.data.cursor) this.loadInvites(this.data.cursor);
  },

  async refresh() {
    const promo = getApp().promo;
    this.setData({ loading: true, error: '' });
    try {
      const [rewards, invites] = await Promise.all([promo.myRewards(), promo.myInvites()]);
      this.setData({ ...rewardsView(rewards), invites: invites.items.map(invite), cursor: invites.next_cursor, loading: false });
    } catch (error) {
      this.setData({ loading: false, error: '加载失败，请下拉重试' });
    }
  },

  async loadInvites(cursor) {
    const page = await getApp().promo.myInvites(cursor);
    this.setData({ invites: this.data.invites.concat(page.items.map(invite)), cursor: page.next_cursor });
  },
});

function invite(r) {
  return { userId: r.user_id, day: day(r.bound_at) };
}
