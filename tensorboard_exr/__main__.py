"""`python -m tensorboard_exr ...`: the same as the `tensorboard-exr` command."""

import sys

from tensorboard_exr.cli import main

sys.exit(main())
