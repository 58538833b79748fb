let activitydVersion = "0.1.0"
