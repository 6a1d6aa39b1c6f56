from .process import exit_now
from .cli import main

exit_now(main())  # the report is written: no need to wait for Blender's teardown
