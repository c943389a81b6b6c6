"""`python -m artgan ...` (also what `torchrun -m artgan` runs)."""

from artgan.cli import main

raise SystemExit(main())
