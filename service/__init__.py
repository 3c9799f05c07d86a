"""The aggregation gateway: one gRPC API over the Mesh and MoneyKit REST APIs."""
