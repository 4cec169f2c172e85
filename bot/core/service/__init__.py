"""The use cases, by feature, behind one entry point: :class:`StudyService`.

Both front ends call only the service; each feature module turns a request into content
reads, progress writes and a rendered reply. May import every other core package.
"""
