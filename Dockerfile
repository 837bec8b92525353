# chat-server in a container. Not built or run on the machines this project is developed on (they have no
# Docker engine); see README, "Production and scaling".
FROM swift:6.3-bookworm AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends libncursesw5-dev libssl-dev && rm -rf /var/lib/apt/lists/*
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
COPY Benchmarks ./Benchmarks
RUN swift build -c release --product chat-server --static-swift-stdlib \
    && cp "$(swift build -c release --show-bin-path)/chat-server" /chat-server

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libssl3 tzdata && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/chat --create-home chat
COPY --from=build /chat-server /usr/local/bin/chat-server
USER chat
WORKDIR /var/lib/chat
ENV HOST=0.0.0.0 PORT=4000 DATABASE_URL=sqlite:///var/lib/chat/chat.sqlite
EXPOSE 4000
CMD ["chat-server"]
