# A stand-in for Rocket.Chat's image, for the harness's own tests where no
# image can be pulled: the reference server reading the environment the
# real image reads (PORT, ROOT_URL, MONGO_URL, ADMIN_*, OVERWRITE_SETTING_*)
# and refusing to start without its MongoDB. RELEASE is the release it
# emulates; VARIANTS (DIMENSION=VARIANT, comma-separated, may be empty) the
# variants it shows where the release's line allows a choice. Classic-builder
# syntax only.
FROM scratch
ARG RELEASE
ARG VARIANTS
COPY rcreference /rcreference
ENV RCCONFORM_RELEASE=$RELEASE RCCONFORM_VARIANTS=$VARIANTS
EXPOSE 3000
VOLUME /app/uploads
ENTRYPOINT ["/rcreference", "--rocketchat-env"]
