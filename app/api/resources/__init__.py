"""One module per API resource; importing this package registers every operation on the API blueprint."""
