-- Which eligible agent gets a queue's next case: `longest_idle` (available longest since their last case ended)
-- or `least_loaded` (fewest held cases relative to capacity on the case's channel, then longest idle).
-- NULL follows the channel: least_loaded for chat, longest_idle for the rest.
ALTER TABLE queues ADD COLUMN distribution text CHECK (distribution IN ('longest_idle', 'least_loaded'));
