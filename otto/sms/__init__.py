"""SMS: the one outbound service, the per-company opt-out store and the inbound message flow."""
