/**
 * The catalog's colour vocabulary (the `baseColour` values of the product data, minus "NA") with one reference
 * colour each, so a pixel cluster can be named the way the catalog and shoppers name it.
 *
 * How the table was made: one hand-picked sRGB value per name, chosen as a typical fabric rendering of that name
 * (not a paint-chip swatch: "Black" garments photograph as near-black, "Silver" as a light cool grey); Black,
 * Charcoal, Silver and White were then nudged by looking at ~100 training-fold photos (never the test fold), as
 * studio lighting renders black fabric lighter and white fabric greyer than the names suggest. Lab values
 * are computed from sRGB (D65) at load time. Several names are near-synonyms in the data (White / Off White /
 * Cream, Grey / Grey Melange / Silver / Steel / Metallic, Navy Blue / Blue): their references are spread apart so
 * that each wins the pixels nearest to it, and the eval's baseColour confusion shows where they still collide.
 * "Multi" has no reference: it is assigned when no single colour dominates (see colours.ts).
 */
export const COLOUR_REFERENCES: ReadonlyArray<readonly [name: string, rgb: readonly [number, number, number]]> = [
  ['Black', [34, 34, 36]],
  ['White', [234, 234, 234]],
  ['Blue', [48, 96, 180]],
  ['Brown', [112, 72, 44]],
  ['Grey', [128, 128, 130]],
  ['Red', [196, 32, 42]],
  ['Green', [40, 128, 64]],
  ['Pink', [238, 150, 180]],
  ['Navy Blue', [30, 38, 72]],
  ['Purple', [108, 50, 128]],
  ['Silver', [176, 178, 184]],
  ['Yellow', [242, 212, 52]],
  ['Beige', [222, 202, 168]],
  ['Gold', [200, 160, 72]],
  ['Maroon', [108, 26, 40]],
  ['Orange', [240, 122, 40]],
  ['Olive', [108, 108, 52]],
  ['Cream', [244, 234, 204]],
  ['Steel', [108, 124, 140]],
  ['Charcoal', [74, 76, 80]],
  ['Peach', [250, 188, 158]],
  ['Off White', [238, 234, 222]],
  ['Skin', [228, 182, 148]],
  ['Lavender', [180, 160, 216]],
  ['Grey Melange', [164, 164, 162]],
  ['Khaki', [190, 170, 120]],
  ['Magenta', [200, 40, 130]],
  ['Teal', [0, 118, 122]],
  ['Tan', [198, 148, 98]],
  ['Mustard', [214, 164, 30]],
  ['Bronze', [164, 110, 50]],
  ['Copper', [184, 100, 58]],
  ['Turquoise Blue', [40, 188, 200]],
  ['Rust', [168, 70, 34]],
  ['Burgundy', [98, 20, 46]],
  ['Metallic', [150, 152, 160]],
  ['Coffee Brown', [74, 50, 36]],
  ['Mauve', [178, 130, 150]],
  ['Rose', [228, 100, 122]],
  ['Nude', [224, 190, 170]],
  ['Sea Green', [48, 160, 120]],
  ['Mushroom Brown', [150, 130, 110]],
  ['Taupe', [128, 114, 100]],
  ['Lime Green', [150, 210, 50]],
  ['Fluorescent Green', [120, 255, 60]],
];

/** The whole vocabulary the tagger and the colours stage may emit (COLOUR_REFERENCES plus "Multi"). */
export const COLOUR_NAMES: readonly string[] = [...COLOUR_REFERENCES.map(([n]) => n), 'Multi'];

export type Lab = [number, number, number];

const lin = (c: number) => {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
};
const LIN = Float64Array.from({ length: 256 }, (_, i) => lin(i));
const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);

/** sRGB 0–255 → CIE Lab (D65). */
export function rgbToLab(r: number, g: number, b: number): Lab {
  const R = LIN[r];
  const G = LIN[g];
  const B = LIN[b];
  const x = (0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / 0.95047;
  const y = 0.2126729 * R + 0.7151522 * G + 0.072175 * B;
  const z = (0.0193339 * R + 0.119192 * G + 0.9503041 * B) / 1.08883;
  const fx = f(x);
  const fy = f(y);
  const fz = f(z);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

export const COLOUR_LAB: ReadonlyArray<{ name: string; lab: Lab; hex: string }> = COLOUR_REFERENCES.map(([name, [r, g, b]]) => ({
  name,
  lab: rgbToLab(r, g, b),
  hex: toHex(r, g, b),
}));

export function toHex(r: number, g: number, b: number): string {
  return '#' + [r, g, b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
}

export const deltaE = (a: Lab, b: Lab) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** The nearest vocabulary name to a Lab colour (CIE76 distance). */
export function nameColour(lab: Lab): { name: string; distance: number } {
  let best = COLOUR_LAB[0];
  let bestD = Infinity;
  for (const c of COLOUR_LAB) {
    const d = deltaE(lab, c.lab);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return { name: best.name, distance: bestD };
}
