/** Core's `SCENES` (WeChat's Chinese labels), put in by scripts/build-assets.mjs when it bundles the page. */
declare const PROMO_TRACK_SCENES: Readonly<Record<string, string>>;

/** As core's `sceneLabel`: the label, or `null` for a scene WeChat does not document. */
export function sceneLabel(scene: string): string | null {
  return Object.prototype.hasOwnProperty.call(PROMO_TRACK_SCENES, scene) ? PROMO_TRACK_SCENES[scene] : null;
}
