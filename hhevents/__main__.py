from hhevents.cli import main

raise SystemExit(main())
