import scenes from './scenes-data.json';

/** Every known WeChat launch scene value and its Chinese label, in WeChat's current wording. */
export const SCENES: Readonly<Record<string, string>> = Object.freeze({ ...scenes });

/** The Chinese label of a launch scene, or `null` for a scene WeChat does not document. */
export function sceneLabel(scene: string | number): string | null {
  return Object.prototype.hasOwnProperty.call(SCENES, String(scene)) ? SCENES[String(scene)] : null;
}
