// Test page for the embeddable viewer: builds ExrImage objects from plain JSON specs sent by the
// tests (half planes as raw 16-bit patterns computed by numpy) and exposes the viewer.
import { ExrDecoderPool, Viewer } from "/static/index.js";

const viewer = new Viewer(document.getElementById("host"), { decoder: new ExrDecoderPool({ workers: 1 }) });

const ARRAYS = { half: Uint16Array, float: Float32Array, uint: Uint32Array };

function box(b, width, height) {
  return b ?? { xMin: 0, yMin: 0, xMax: width - 1, yMax: height - 1 };
}

/** spec: {width, height, dataWindow?, displayWindow?, channels: [{name, pixelType, data: number[]}]} */
function makeImage(spec) {
  const dataWindow = box(spec.dataWindow, spec.width, spec.height);
  const part = {
    name: null,
    storage: "scanline",
    compression: "none",
    dataWindow,
    displayWindow: box(spec.displayWindow, spec.width, spec.height),
    width: dataWindow.xMax - dataWindow.xMin + 1,
    height: dataWindow.yMax - dataWindow.yMin + 1,
    channels: spec.channels.map((c) => ({
      name: c.name,
      pixelType: c.pixelType,
      xSampling: 1,
      ySampling: 1,
      data: ARRAYS[c.pixelType].from(c.data.map((v) => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v))),
    })),
    attributes: {},
  };
  return { parts: [part], byteLength: 0 };
}

window.__exrTest = {
  viewer,
  makeImage,
  show(spec) {
    viewer.setImage(makeImage(spec));
    return viewer.state;
  },
  /** Decodes base64 EXR bytes with the real wasm decoder and shows them. */
  async loadBase64(text) {
    const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    try {
      await viewer.loadBytes(bytes.buffer);
      return null;
    } catch (error) {
      viewer.showMessage(String(error.message ?? error));
      return String(error.message ?? error);
    }
  },
  reference(spec) {
    viewer.setReference(spec ? makeImage(spec) : null);
  },
  read(points) {
    return points.map(([x, y]) => viewer.readPixel(x, y));
  },
  readImagePixels(points) {
    return points.map(([ix, iy]) => {
      const p = viewer.canvasPointOf(ix, iy);
      return viewer.readPixel(p.x, p.y);
    });
  },
};
document.body.dataset.ready = "1";
