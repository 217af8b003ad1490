"""AI building blocks of Otto (embeddings, ingestion, answers), free of web and database code."""
