# The Village test stack: embedded PostgreSQL + tansu broker (or DATABASE_URL /
# KAFKA_BOOTSTRAP_SERVERS), services as subprocesses, demo tokens. See village_devstack.testing.
pytest_plugins = ["village_devstack.testing"]
