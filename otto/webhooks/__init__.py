"""Provider webhooks: signatures on raw bytes, store first, process once in a job."""
