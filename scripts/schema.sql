-- Parley cluster mode: the MySQL/MariaDB schema (docs/design.md "Logical tables").
-- Generated from src/store/cluster/schema.cc, which parleyd runs at start;
-- a test keeps the two identical. role: 1 owner, 0 member. status: 0 message,
-- 1 hole (a seq whose append failed). Times are ms since the epoch.

CREATE TABLE IF NOT EXISTS timeline_message (
  conversation_id VARCHAR(160) NOT NULL,
  seq BIGINT NOT NULL,
  msg_id VARCHAR(128) NULL,
  sender_id VARCHAR(64) NOT NULL,
  content MEDIUMTEXT NOT NULL,
  msg_type INT NOT NULL,
  status TINYINT NOT NULL DEFAULT 0,
  send_time BIGINT NOT NULL,
  created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (conversation_id, seq),
  UNIQUE KEY uk_sender_msg (sender_id, msg_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `user` (
  user_id VARCHAR(64) NOT NULL,
  nickname VARCHAR(255) NOT NULL DEFAULT '',
  password_hash VARCHAR(255) NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `groups` (
  group_id VARCHAR(64) NOT NULL,
  name TEXT NOT NULL,
  owner_id VARCHAR(64) NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  PRIMARY KEY (group_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS group_member (
  group_id VARCHAR(64) NOT NULL,
  user_id VARCHAR(64) NOT NULL,
  role TINYINT NOT NULL DEFAULT 0,
  join_time BIGINT NOT NULL,
  PRIMARY KEY (group_id, user_id),
  KEY k_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE `groups`
  ADD COLUMN IF NOT EXISTS join_policy VARCHAR(16) NOT NULL DEFAULT 'invite',
  ADD COLUMN IF NOT EXISTS history_visibility VARCHAR(16) NOT NULL DEFAULT 'joined';

ALTER TABLE group_member
  ADD COLUMN IF NOT EXISTS join_seq BIGINT NOT NULL DEFAULT 0;

ALTER TABLE `groups`
  ADD COLUMN IF NOT EXISTS send_policy VARCHAR(16) NOT NULL DEFAULT 'everyone';

ALTER TABLE group_member
  ADD COLUMN IF NOT EXISTS muted_until BIGINT NOT NULL DEFAULT 0;

CREATE TABLE IF NOT EXISTS group_ban (
  group_id VARCHAR(64) NOT NULL,
  user_id VARCHAR(64) NOT NULL,
  PRIMARY KEY (group_id, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS user_conversation_state (
  user_id VARCHAR(64) NOT NULL,
  conversation_id VARCHAR(160) NOT NULL,
  last_ack_seq BIGINT NOT NULL DEFAULT 0,
  updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (user_id, conversation_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE timeline_message
  ADD COLUMN IF NOT EXISTS reply_to BIGINT NOT NULL DEFAULT 0;

ALTER TABLE timeline_message
  ADD COLUMN IF NOT EXISTS target_seq BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS event_remove TINYINT NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS edit_seq BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS edited_at BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS recalled TINYINT NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS reactions TEXT NOT NULL DEFAULT '',
  ADD KEY IF NOT EXISTS k_target (conversation_id, target_seq);

CREATE TABLE IF NOT EXISTS webhook_outbox (
  id BIGINT NOT NULL AUTO_INCREMENT,
  conversation_id VARCHAR(160) NOT NULL,
  seq BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL DEFAULT 0,
  claimed_by VARCHAR(64) NOT NULL DEFAULT '',
  claimed_until BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE timeline_message
  ADD COLUMN IF NOT EXISTS media TEXT NOT NULL DEFAULT '';

ALTER TABLE user_conversation_state
  ADD COLUMN IF NOT EXISTS delivered_seq BIGINT NOT NULL DEFAULT 0;

CREATE TABLE IF NOT EXISTS cluster_state (
  name VARCHAR(64) NOT NULL,
  value BIGINT NOT NULL,
  set_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE `user`
  ADD COLUMN IF NOT EXISTS banned TINYINT NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS tokens_valid_after BIGINT NOT NULL DEFAULT 0;

CREATE TABLE IF NOT EXISTS schema_migration (
  name VARCHAR(64) NOT NULL,
  applied_at BIGINT NOT NULL,
  PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS media_object (
  media_id CHAR(32) NOT NULL,
  uploader VARCHAR(64) NOT NULL,
  content_type VARCHAR(255) NOT NULL,
  size BIGINT NOT NULL,
  sha256 CHAR(64) NOT NULL,
  name VARBINARY(255) NOT NULL DEFAULT '',
  width BIGINT NOT NULL DEFAULT 0,
  height BIGINT NOT NULL DEFAULT 0,
  thumbnail_id CHAR(32) NOT NULL DEFAULT '',
  parent_id CHAR(32) NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  PRIMARY KEY (media_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS media_citation (
  media_id CHAR(32) NOT NULL,
  conversation_id VARCHAR(160) NOT NULL,
  sender_id VARCHAR(64) NOT NULL,
  msg_id VARCHAR(128) NOT NULL,
  PRIMARY KEY (media_id, conversation_id, sender_id, msg_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
