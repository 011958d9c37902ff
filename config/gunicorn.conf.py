"""gunicorn settings for the web process (Procfile: web). Values come from the environment."""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '5000')}"  # noqa: S104
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
# Threads, not more processes, for the mixed load: requests spend much of their time
# waiting on PostgreSQL and redis, and a thread per waiting request keeps the CPU busy
# (docs/reliability.md, "Load and soak": 2 workers x 4 threads hold 50 req/s).
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then as a backstop against a slow leak. The 10-minute soak found
# none (RSS flat after ~5 minutes without recycling); at 2,000 a busy worker restarted
# every ~80 s, paying its imports and cold caches each time.
max_requests = 20000
max_requests_jitter = 2000
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
