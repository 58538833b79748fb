// ActivityStore
