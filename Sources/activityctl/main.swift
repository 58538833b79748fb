print("activityctl")
