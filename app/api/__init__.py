"""The REST API under /api/v1: tokens, authentication, schemas, pagination, resources and its OpenAPI document."""
