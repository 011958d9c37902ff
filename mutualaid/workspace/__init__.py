"""The coordinator workspace's domain logic: queue, people (suspend, merge), reports (gaps,
map, metrics), CSV import/export and the SMS inbox. Plain functions over a session; the
``coordinate`` blueprint is the web edge."""
