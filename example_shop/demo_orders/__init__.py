"""Made-up orders for demos and benchmarks (``manage.py cml_demo_orders``), not part of the app."""
