"""The tenant isolation matrix's route table, world and requests."""
