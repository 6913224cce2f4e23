"""What Rasa loads by name (endpoints.yml, credentials.yml): tracker store,
lock store, REST channel, the NLG with staff edits (nlg.py); and our checked changes to Rasa itself
(rasa_patches.py: reply validation, graph runner, event lookup, paused
conversations, long sessions); and how each Rasa worker follows the model
`smartcity model deploy` deployed (model_switch.py, deployed_model.py)."""
