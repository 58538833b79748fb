// ActivityPipeline
