// The app creates the promo-track client once; pages reach it through getApp().promo.
const { createPromoClient } = require('@promo-track/miniprogram');

App({
  globalData: { userId: undefined, token: '' },
  onLaunch(options) {
    this.promo = createPromoClient({
      baseUrl: 'https://api.example.com/api',
      getUserId: () => this.globalData.userId,
      header: () => ({ Authorization: `Bearer ${this.globalData.token}` }),
    });
    this.promo.onLaunch(options);
  },
  onShow(options) {
    this.promo.onShow(options);
  },
});
