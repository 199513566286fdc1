# A stand-in for a MongoDB image, for the harness's own tests: it listens on
# 27017, logs what testcontainers' MongoDB module waits for, and answers the
# shell commands that start and check the replica set. Classic-builder syntax.
FROM scratch
COPY mongo /usr/bin/mongod
COPY mongo /usr/bin/mongosh
COPY mongo /usr/bin/mongo
COPY mongo /bin/sh
ENV PATH=/usr/bin:/bin
EXPOSE 27017
VOLUME /data/db
ENTRYPOINT ["/usr/bin/mongod"]
