import os

# The benchmarks run the development stack and its tokens: development mode, asked for here.
os.environ.setdefault("VILLAGE_ENV", "development")

from .run import main

raise SystemExit(main())
