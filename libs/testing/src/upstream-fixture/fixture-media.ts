// Tiny media payloads for the content-type tools, resources and prompts: a 1x1 PNG and a
// 16 kHz mono WAV of two silent samples (both generated for this fixture, both valid files).
export const FIXTURE_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGPQ6w4HAAH7ARF0JhTpAAAAAElFTkSuQmCC';

export const FIXTURE_WAV_BASE64 =
  'UklGRigAAABXQVZFZm10IBAAAAABAAEAgD4AAAB9AAACABAAZGF0YQQAAAAAAAAA';
