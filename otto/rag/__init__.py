"""Ask Otto: company documents in, grounded answers with citations out."""
