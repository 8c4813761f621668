"""tensorboard-exr: log OpenEXR images from training loops and inspect them in TensorBoard."""

__version__ = "0.1.0"
