"""The small-transformer claims' shared pieces: the rungs of the scale ladder, the training profile and the declared
grid-widening rule (``shapes``); tuned training runs, the count-bigram margin, intervals, loss rows and the
statistic-against-size figure (``common``)."""
