"""Background jobs on RQ: queues, the worker that enters app and tenant, the scheduler."""
