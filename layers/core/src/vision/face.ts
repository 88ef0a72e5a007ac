/**
 * Face detection for opt-in styling advice: OpenCV's Haar cascades (Debian `opencv-data`) run with opencv.js
 * (WebAssembly, no native build). The cascade XML is loaded into opencv.js's virtual file system once per
 * process. Only the box and a few ratios leave this module; the face pixels are never stored or returned.
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import type { RgbImage } from './image-check.ts';
import { adviceFor, classifyFaceShape, isSkinPixel, measureFace, noFace, type FaceAdvice } from './face-advice.ts';

export interface FaceAnalyser {
  readonly id: string;
  analyse(img: RgbImage, scaleToOriginal?: number): Promise<FaceAdvice>;
}

/** Where the cascades are: env LOOKBOOK_HAAR_DIR, default Debian's opencv-data location. */
export const haarDir = (env: Record<string, string | undefined> = process.env) => env.LOOKBOOK_HAAR_DIR ?? '/usr/share/opencv4/haarcascades';

// opencv.js has no useful typings for what we use; keep the surface we touch small and explicit.
interface Cv {
  Mat: new (...args: unknown[]) => CvMat;
  RectVector: new () => { size(): number; get(i: number): { x: number; y: number; width: number; height: number }; delete(): void };
  Size: new (w: number, h: number) => unknown;
  CascadeClassifier: new () => { load(file: string): boolean; detectMultiScale(img: CvMat, out: unknown, scale: number, neighbours: number, flags: number, minSize?: unknown): void; delete(): void };
  matFromArray(rows: number, cols: number, type: number, data: ArrayLike<number>): CvMat;
  cvtColor(src: CvMat, dst: CvMat, code: number): void;
  equalizeHist(src: CvMat, dst: CvMat): void;
  FS_createDataFile(parent: string, name: string, data: Uint8Array, canRead: boolean, canWrite: boolean, canOwn: boolean): void;
  CV_8UC3: number;
  COLOR_RGB2GRAY: number;
  onRuntimeInitialized?: () => void;
}
interface CvMat {
  roi(rect: { x: number; y: number; width: number; height: number }): CvMat;
  delete(): void;
}

// Boxed: the Emscripten module is a thenable whose then() hands back itself, so resolving a promise with it
// directly never settles.
let cvLoading: Promise<{ cv: Cv }> | undefined;

function loadCv(): Promise<{ cv: Cv }> {
  cvLoading ??= (async () => {
    const require = createRequire(import.meta.url);
    const mod = require('@techstark/opencv-js') as Cv;
    if (typeof mod.Mat !== 'function') await new Promise<void>((resolve) => (mod.onRuntimeInitialized = resolve));
    return { cv: mod };
  })();
  return cvLoading;
}

const loadedFiles = new Set<string>();
function cascade(cv: Cv, file: string) {
  const name = path.basename(file);
  if (!loadedFiles.has(name)) {
    cv.FS_createDataFile('/', name, fs.readFileSync(file), true, false, false);
    loadedFiles.add(name);
  }
  const c = new cv.CascadeClassifier();
  if (!c.load(name)) throw new Error(`opencv.js could not load the cascade ${file}`);
  return c;
}

export interface HaarOptions {
  dir?: string;
}

export async function createHaarFaceAnalyser(opts: HaarOptions = {}): Promise<FaceAnalyser> {
  const dir = opts.dir ?? haarDir();
  const faceFile = path.join(dir, 'haarcascade_frontalface_default.xml');
  const eyeFile = path.join(dir, 'haarcascade_eye.xml');
  if (!fs.existsSync(faceFile)) throw new Error(`No Haar cascade at ${faceFile}: install Debian's opencv-data or set LOOKBOOK_HAAR_DIR`);
  const { cv } = await loadCv();
  const faces = cascade(cv, faceFile);
  const eyes = fs.existsSync(eyeFile) ? cascade(cv, eyeFile) : undefined;

  return {
    id: 'opencv-haar-frontalface-default',
    async analyse(img, scaleToOriginal = 1) {
      const rgb = cv.matFromArray(img.height, img.width, cv.CV_8UC3, img.data);
      const gray = new cv.Mat();
      const found = new cv.RectVector();
      const eyeRects = new cv.RectVector();
      try {
        cv.cvtColor(rgb, gray, cv.COLOR_RGB2GRAY);
        cv.equalizeHist(gray, gray);
        const min = Math.max(24, Math.round(Math.min(img.width, img.height) * 0.06));
        faces.detectMultiScale(gray, found, 1.1, 5, 0, new cv.Size(min, min));
        // A face on a person photo is small and in the upper part of the frame; big or low boxes are prints.
        let best: { x: number; y: number; width: number; height: number } | undefined;
        for (let i = 0; i < found.size(); i++) {
          const r = found.get(i);
          const plausible = r.width <= img.width * 0.45 && r.y + r.height / 2 <= img.height * 0.6;
          if (plausible && (!best || r.width * r.height > best.width * best.height)) best = r;
        }
        if (!best) return noFace();
        let eyesFound = 0;
        if (eyes) {
          // Eyes in the upper half of the face box confirm it is a face and not a pattern on the garment.
          const upper = gray.roi({ x: best.x, y: best.y, width: best.width, height: Math.round(best.height * 0.6) });
          eyes.detectMultiScale(upper, eyeRects, 1.1, 4, 0);
          eyesFound = Math.min(2, eyeRects.size());
          upper.delete();
        }
        const skin = (x: number, y: number) => {
          const i = (y * img.width + x) * 3;
          return isSkinPixel(img.data[i], img.data[i + 1], img.data[i + 2]);
        };
        const m = measureFace(best, img.width, img.height, skin);
        const s = scaleToOriginal;
        const box = { x: Math.round(best.x * s), y: Math.round(best.y * s), width: Math.round(best.width * s), height: Math.round(best.height * s) };
        return adviceFor(m ? classifyFaceShape(m) : undefined, {
          detected: true,
          faces: found.size(),
          box,
          eyesFound,
          measurements: m,
          confidence: m && eyesFound >= 1 ? 'medium' : 'low',
        });
      } finally {
        rgb.delete();
        gray.delete();
        found.delete();
        eyeRects.delete();
      }
    },
  };
}
