from opencfw.cli import main

raise SystemExit(main())
