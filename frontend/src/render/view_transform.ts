// The one mapping between a canvas and an image (tev keeps such named transforms, e.g.
// `textureToNanogui`): the viewer's pointer maths, its overlay, the renderer's probes and the
// shader (uViewScale, uViewCentre, uViewportSize, uViewportOrigin) all use it, so the arithmetic
// is written once.
//
// Image space: EXR pixel coordinates (display-window space, x right, y down); pixel (i, j) covers
// [i, i+1) x [j, j+1). Canvas space: device pixels of the canvas, top-left origin; canvas pixel
// (x, y) covers [x, x+1) x [y, y+1).

/** A point in image or canvas space. */
export interface Point {
  x: number;
  y: number;
}

/** The part of a view state the transform is made from; cards sharing it show the same place. */
export interface ViewGeometry {
  /** Device pixels per image pixel (vertically; horizontally times the pixel aspect ratio). */
  zoom: number;
  /** Image point shown at the centre of the canvas. */
  panX: number;
  panY: number;
}

/** A rectangle of device pixels on the canvas that a draw fills. */
export interface Viewport {
  x: number;
  y: number;
  width: number;
  height: number;
}

export class ViewTransform {
  private constructor(
    /** Device pixels per image pixel along x and y. */
    readonly scaleX: number,
    readonly scaleY: number,
    /** The image point at the centre of the viewport. */
    readonly centreX: number,
    readonly centreY: number,
    /** Where on the canvas the viewport lies (the whole canvas, or one probed pixel). */
    readonly viewport: Viewport,
  ) {}

  /**
   * The transform of a canvas of `size` showing `view`. `pixelAspect` is the width of an image
   * pixel over its height (EXR's pixelAspectRatio; 1 for square pixels).
   */
  static forView(view: ViewGeometry, size: { width: number; height: number }, pixelAspect = 1): ViewTransform {
    const viewport = { x: 0, y: 0, width: size.width, height: size.height };
    return new ViewTransform(view.zoom * pixelAspect, view.zoom, view.panX, view.panY, viewport);
  }

  /**
   * One fragment per image pixel of `rect` (image space), e.g. to read values back; with a
   * `stride` > 1, one per stride-th pixel of every stride-th row, each fragment's centre at the
   * centre of its pixel (rect.x + i·stride, rect.y + j·stride).
   */
  static pixelForPixel(rect: { x: number; y: number; width: number; height: number }, stride = 1): ViewTransform {
    const width = Math.ceil(rect.width / stride);
    const height = Math.ceil(rect.height / stride);
    const viewport = { x: 0, y: 0, width, height };
    const centre = (origin: number, size: number) => origin + 0.5 + stride * (size / 2 - 0.5);
    return new ViewTransform(1 / stride, 1 / stride, centre(rect.x, width), centre(rect.y, height), viewport);
  }

  /** Image point at canvas point (x, y). */
  canvasToImage(x: number, y: number): Point {
    const v = this.viewport;
    return {
      x: (x - (v.x + v.width / 2)) / this.scaleX + this.centreX,
      y: (y - (v.y + v.height / 2)) / this.scaleY + this.centreY,
    };
  }

  /** Canvas point at image point (x, y). */
  imageToCanvas(x: number, y: number): Point {
    const v = this.viewport;
    return {
      x: (x - this.centreX) * this.scaleX + (v.x + v.width / 2),
      y: (y - this.centreY) * this.scaleY + (v.y + v.height / 2),
    };
  }

  /** A distance on the canvas (device px along x and y) in image pixels. */
  canvasToImageDistance(dx: number, dy: number): Point {
    return { x: dx / this.scaleX, y: dy / this.scaleY };
  }

  /** The image pixel under the centre of canvas pixel (x, y). */
  imagePixelAt(x: number, y: number): Point {
    const p = this.canvasToImage(x + 0.5, y + 0.5);
    return { x: Math.floor(p.x), y: Math.floor(p.y) };
  }

  /** The canvas pixel that holds the centre of image pixel (x, y). */
  canvasPixelOf(x: number, y: number): Point {
    const p = this.imageToCanvas(x + 0.5, y + 0.5);
    return { x: Math.floor(p.x), y: Math.floor(p.y) };
  }

  /** The same mapping drawn into a sub-rectangle of the canvas (a 1x1 probe of one pixel). */
  viewportAt(viewport: Viewport): ViewTransform {
    const centre = this.canvasToImage(viewport.x + viewport.width / 2, viewport.y + viewport.height / 2);
    return new ViewTransform(this.scaleX, this.scaleY, centre.x, centre.y, viewport);
  }

  /** Whether image pixels are drawn smaller than device pixels (then sampling filters). */
  get minifies(): boolean {
    return Math.min(this.scaleX, this.scaleY) < 1;
  }

  /** The pan that keeps image point `image` at canvas point `canvas` under a new zoom. */
  panKeeping(image: Point, canvas: Point, zoom: number): { panX: number; panY: number } {
    const v = this.viewport;
    return {
      panX: image.x - (canvas.x - (v.x + v.width / 2)) / (zoom * (this.scaleX / this.scaleY)),
      panY: image.y - (canvas.y - (v.y + v.height / 2)) / zoom,
    };
  }
}
