"""Files made from the course and the class's progress: Anki and Moodle exports, readable CSVs, charts.

Every function here that makes a file is pure (no Discord, no event loop, no clock of its
own) and returns an :class:`~bot.core.presentation.replies.Attachment` a :class:`~bot.core.presentation.replies.Reply`
can carry; charts are CPU work for a worker thread. How a use case calls them:

- ``/export format:anki``: ``anki.anki_export(snapshot, modified=now, topic=topic_id)``;
- ``/instructor export format:gift``: ``gift.gift_export(snapshot, topic=topic_id)``;
- ``/instructor export`` (readable): ``progress_report.progress_report(await
  export_queries.class_progress(db, scope, snapshot.card_topics, scheduler, now),
  snapshot.course.topics, now=now)``;
- ``/progress``: ``charts.mastery_chart(chart_data.topic_bars((await
  export_queries.learner_progress(db, learner_id, snapshot.card_topics, scheduler,
  now)).topics, snapshot.course.topics))`` and ``charts.due_chart(chart_data.due_forecast(await
  export_queries.due_dates(db, learner_id, set(snapshot.card_topics), now +
  timedelta(days=chart_data.FORECAST_DAYS)), now))``;
- ``/instructor stats``: ``charts.card_share_chart(chart_data.card_shares(CardScore(i.card_id,
  i.attempts, i.correct) for i in item_stats), topic_title)``.
"""
