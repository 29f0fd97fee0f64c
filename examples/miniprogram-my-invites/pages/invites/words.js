// What the page shows, from the routes' answers: amounts in yuan, each entry's status in words.
// No wx here, so that it runs (and is tested) in Node too.

/** 1234 fen → "12.34"; a claw-back is negative. */
function yuan(fen) {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** "12-13" of an ISO time, in Beijing time (the mini-program's users' days). */
function day(iso) {
  const d = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);
  return `${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** Why an entry stands where it does, in the promoter's words. */
function why(r) {
  if (r.reversal_of !== null) return `退款扣回（${r.note || '订单已退款'}）`;
  if (r.status === 'held') return `冻结中，${day(r.payable_at)} 后可提现（退款保障期）`;
  if (r.status === 'payable') return '可提现';
  if (r.status === 'settled') return `已到账 ${day(r.settled_at)}`;
  if (r.status === 'reversed') return `已撤销：${refundNote(r.note)}`;
  return `已作废${r.note ? `：${r.note}` : ''}`;
}

/** The library's own reversal notes, in Chinese; an operator's note as written. */
function refundNote(note) {
  const order = /^order (.+) refunded/.exec(note || '');
  if (order) return `订单 ${order[1]} 已退款`;
  const rebound = /^rebound to user (\d+)/.exec(note || '');
  if (rebound) return '好友已被他人邀请';
  return note || '已退款';
}

/** The page's data from `myRewards()`: the CNY balance and one line per entry. */
function rewardsView(rewards) {
  const cny = rewards.balance.find((b) => b.currency === 'CNY') || { held: 0, payable: 0, settled: 0 };
  return {
    held: yuan(cny.held),
    payable: yuan(cny.payable),
    settled: yuan(cny.settled),
    entries: rewards.items.map((r) => ({ id: r.id, amount: yuan(r.amount), why: why(r), status: r.status, friend: r.referee })),
  };
}

module.exports = { yuan, day, why, rewardsView };
