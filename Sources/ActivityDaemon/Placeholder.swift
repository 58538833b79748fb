// ActivityDaemon
