"""``python -m api.worker``: run a training worker (see ``api.worker.main``)."""

from api.worker.main import main

if __name__ == "__main__":
    raise SystemExit(main())
