// ActivityConfig
