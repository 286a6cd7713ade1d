"""Declared schemas of every frame, and their validation.

Every frame starts with the same five columns (``LEADING``) and ends with ``raw_path``: the
raw evidence file(s) the row was derived from, relative to the run folder, joined by ``;``.

Column kinds map to pandas dtypes:

=========  ==========================  ===============================================
kind       pandas dtype                meaning
=========  ==========================  ===============================================
str        ``string``                  text; missing is ``<NA>``
bool       ``boolean``                 nullable: ``<NA>`` means "not reported"
int        ``Int64``                   nullable integer
float      ``Float64``                 nullable float
time       ``datetime64[ns, UTC]``     tz-aware UTC timestamp
json       ``string``                  JSON text of a list or object (lists of IDs, rules)
=========  ==========================  ===============================================
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from evidence_lib.errors import SchemaError

DTYPES: dict[str, str] = {
    "str": "string",
    "bool": "boolean",
    "int": "Int64",
    "float": "Float64",
    "time": "datetime64[ns, UTC]",
    "json": "string",
}

LEADING: dict[str, str] = {
    "account_id": "str",
    "region": "str",
    "resource_type": "str",
    "resource_id": "str",
    "resource_arn": "str",
}
TRAILING: dict[str, str] = {"raw_path": "str"}


@dataclass(frozen=True)
class FrameSchema:
    """The declared shape of one frame."""

    name: str
    description: str
    columns: dict[str, str] = field(default_factory=dict)

    @property
    def all_columns(self) -> dict[str, str]:
        """Leading, own and trailing columns with their kinds, in order."""
        return {**LEADING, **self.columns, **TRAILING}

    @property
    def dtypes(self) -> dict[str, str]:
        """Pandas dtype of every column."""
        return {name: DTYPES[kind] for name, kind in self.all_columns.items()}

    def empty(self) -> pd.DataFrame:
        """Return an empty frame with every column and dtype."""
        frame = pd.DataFrame({c: pd.Series(dtype=d) for c, d in self.dtypes.items()})
        return frame

    def coerce(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return ``frame`` with the declared columns, order and dtypes (missing columns fail)."""
        missing = [c for c in self.all_columns if c not in frame.columns]
        if missing:
            raise SchemaError(f"frame {self.name}: missing columns {missing}")
        out = frame.loc[:, list(self.all_columns)].copy()
        for column, dtype in self.dtypes.items():
            if dtype.startswith("datetime"):
                out[column] = pd.to_datetime(out[column], utc=True, format="ISO8601")
                out[column] = out[column].astype(dtype)
            else:
                out[column] = out[column].astype(dtype)
        return out.reset_index(drop=True)

    def validate(self, frame: pd.DataFrame) -> None:
        """Raise SchemaError unless ``frame`` has exactly the declared columns and dtypes."""
        if list(frame.columns) != list(self.all_columns):
            raise SchemaError(
                f"frame {self.name}: columns {list(frame.columns)} "
                f"differ from declared {list(self.all_columns)}"
            )
        wrong = {c: str(frame[c].dtype) for c, d in self.dtypes.items() if str(frame[c].dtype) != d}
        if wrong:
            raise SchemaError(f"frame {self.name}: wrong dtypes {wrong}")


def _schema(frame_name: str, frame_description: str, /, **columns: str) -> FrameSchema:
    return FrameSchema(name=frame_name, description=frame_description, columns=columns)


_CACHE_SETTINGS = {
    "engine": "str",
    "engine_version": "str",
    "cache_node_type": "str",
    "status": "str",
    "port": "int",
    "at_rest_encryption_enabled": "bool",
    "transit_encryption_enabled": "bool",
    "transit_encryption_mode": "str",
    "auth_token_enabled": "bool",
    "kms_key_id": "str",
    "auto_minor_version_upgrade": "bool",
    "snapshot_retention_limit_days": "int",
    "snapshot_window": "str",
    "preferred_maintenance_window": "str",
    "notification_topic_arn": "str",
    "notification_topic_status": "str",
    "cache_parameter_group_name": "str",
    "cache_subnet_group_name": "str",
    "security_group_ids": "json",
    "availability_zones": "json",
    "create_time": "time",
}

SCHEMAS: dict[str, FrameSchema] = {
    s.name: s
    for s in [
        _schema(
            "replication_groups",
            "One row per replication group; settings AWS reports only on member clusters "
            "(engine version, parameter group, security groups, subnet group, maintenance "
            "window, SNS topic, AZs) are joined from them.",
            **_CACHE_SETTINGS,
            description="str",
            cluster_enabled="bool",
            num_node_groups="int",
            member_cluster_ids="json",
            multi_az="str",
            multi_az_enabled="bool",
            automatic_failover="str",
            automatic_failover_enabled="bool",
            user_group_ids="json",
            log_delivery_configurations="json",
            data_tiering="str",
        ),
        _schema(
            "cache_clusters",
            "One row per cache cluster (node), member of a replication group or standalone.",
            **_CACHE_SETTINGS,
            replication_group_id="str",
            num_cache_nodes="int",
            preferred_availability_zone="str",
            parameter_apply_status="str",
        ),
        _schema(
            "node_group_members",
            "One row per node of a replication group's node groups; resource_id is "
            "'<CacheClusterId>/<CacheNodeId>'.",
            replication_group_id="str",
            node_group_id="str",
            cache_cluster_id="str",
            cache_node_id="str",
            preferred_availability_zone="str",
            current_role="str",
        ),
        _schema(
            "serverless_caches",
            "One row per serverless cache.",
            engine="str",
            major_engine_version="str",
            full_engine_version="str",
            status="str",
            port="int",
            kms_key_id="str",
            security_group_ids="json",
            subnet_ids="json",
            user_group_id="str",
            snapshot_retention_limit_days="int",
            daily_snapshot_time="str",
            create_time="time",
        ),
        _schema(
            "snapshots",
            "One row per snapshot, of node-based caches (DescribeSnapshots) and serverless "
            "caches (DescribeServerlessCacheSnapshots).",
            snapshot_source="str",
            snapshot_status="str",
            replication_group_id="str",
            cache_cluster_id="str",
            serverless_cache_name="str",
            engine="str",
            engine_version="str",
            kms_key_id="str",
            snapshot_retention_limit_days="int",
            snapshot_time="time",
        ),
        _schema(
            "engine_versions",
            "One row per engine version AWS offers (DescribeCacheEngineVersions); "
            "resource_id is '<engine>-<version>'.",
            engine="str",
            engine_version="str",
            major_version="int",
            parameter_group_family="str",
            description="str",
        ),
        _schema(
            "parameter_groups",
            "One row per cache parameter group; parameters_json holds the parameters whose "
            "source is 'user' for the groups whose parameters were collected.",
            family="str",
            description="str",
            is_default="bool",
            is_global="bool",
            parameters_json="json",
        ),
        _schema(
            "subnet_groups",
            "One row per cache subnet group.",
            description="str",
            vpc_id="str",
            subnet_ids="json",
            availability_zones="json",
            az_count="int",
            is_default="bool",
        ),
        _schema(
            "subnets",
            "One row per subnet used by a cache subnet group; public means its route table "
            "has a route to an internet gateway.",
            vpc_id="str",
            availability_zone="str",
            cidr_block="str",
            map_public_ip_on_launch="bool",
            route_table_id="str",
            public="bool",
        ),
        _schema(
            "security_group_rules",
            "One row per ingress or egress permission and source of a security group used by "
            "a cache; resource_id is the group ID.",
            group_name="str",
            vpc_id="str",
            rule_key="str",
            direction="str",
            ip_protocol="str",
            from_port="int",
            to_port="int",
            cidr="str",
            source_group_id="str",
            prefix_list_id="str",
            rule_description="str",
        ),
        _schema(
            "user_groups",
            "One row per RBAC user group.",
            engine="str",
            status="str",
            user_ids="json",
            replication_group_ids="json",
            serverless_cache_names="json",
            minimum_engine_version="str",
        ),
        _schema(
            "service_updates",
            "One row per update action (DescribeUpdateActions); resource_id is "
            "'<ServiceUpdateName>/<ReplicationGroupId or CacheClusterId>'.",
            service_update_name="str",
            service_update_type="str",
            service_update_severity="str",
            service_update_status="str",
            update_action_status="str",
            replication_group_id="str",
            cache_cluster_id="str",
            engine="str",
            service_update_release_time="time",
            service_update_recommended_apply_by_time="time",
            update_action_available_time="time",
            sla_met="str",
        ),
        _schema(
            "kms_keys",
            "One row per KMS key used by a cache, snapshot, trail or bucket (DescribeKey).",
            key_manager="str",
            key_state="str",
            key_spec="str",
            enabled="bool",
            creation_time="time",
        ),
        _schema(
            "trails",
            "One row per trail (DescribeTrails + GetTrailStatus + GetEventSelectors); "
            "management_events is All, ReadOnly, WriteOnly or <NA> when not logged.",
            name="str",
            home_region="str",
            s3_bucket_name="str",
            s3_key_prefix="str",
            is_multi_region_trail="bool",
            include_global_service_events="bool",
            log_file_validation_enabled="bool",
            kms_key_id="str",
            cloud_watch_logs_log_group_arn="str",
            is_organization_trail="bool",
            is_logging="bool",
            latest_delivery_time="time",
            start_logging_time="time",
            stop_logging_time="time",
            latest_delivery_error="str",
            management_events="str",
            elasticache_excluded="bool",
            event_selectors_json="json",
        ),
        _schema(
            "log_groups",
            "One row per CloudWatch Logs log group; retention_days <NA> means never expire.",
            retention_days="int",
            kms_key_id="str",
            stored_bytes="int",
            creation_time="time",
        ),
        _schema(
            "metric_filters",
            "One row per metric filter; resource_id is '<logGroupName>/<filterName>'.",
            filter_name="str",
            log_group_name="str",
            filter_pattern="str",
            metric_name="str",
            metric_namespace="str",
        ),
        _schema(
            "alarms",
            "One row per CloudWatch metric alarm.",
            metric_name="str",
            namespace="str",
            dimensions_json="json",
            state_value="str",
            actions_enabled="bool",
            alarm_actions="json",
            comparison_operator="str",
            threshold="float",
        ),
        _schema(
            "sns_topics",
            "One row per SNS topic referenced by a cache or an alarm (GetTopicAttributes); "
            "exists is False when AWS answered NotFound.",
            exists="bool",
            display_name="str",
            kms_master_key_id="str",
            subscriptions_confirmed="int",
            subscriptions_pending="int",
        ),
        _schema(
            "buckets",
            "One row per S3 bucket of a trail or of the archive; lifecycle columns summarise "
            "the enabled rules (<NA> when there is no lifecycle configuration).",
            purpose="str",
            versioning_status="str",
            mfa_delete="str",
            object_lock_enabled="bool",
            object_lock_mode="str",
            object_lock_retention_days="int",
            lifecycle_rules_json="json",
            lifecycle_min_expiration_days="int",
            lifecycle_first_archive_days="int",
            lifecycle_archive_storage_class="str",
            public_access_blocked="bool",
            encryption_algorithm="str",
            kms_key_id="str",
        ),
        _schema(
            "agreements",
            "One row per AWS Artifact customer agreement (ListCustomerAgreements).",
            name="str",
            agreement_type="str",
            state="str",
            effective_start_time="time",
            effective_end_time="time",
        ),
        _schema(
            "cloudtrail_events",
            "One row per CloudTrail event; resource_type 'event', resource_id the event ID.",
            event_id="str",
            event_time="time",
            event_source="str",
            event_name="str",
            aws_region="str",
            recipient_account_id="str",
            user_identity_type="str",
            principal_arn="str",
            principal_id="str",
            user_name="str",
            session_issuer_arn="str",
            source_ip="str",
            user_agent="str",
            error_code="str",
            error_message="str",
            read_only="bool",
            event_type="str",
            management_event="bool",
            request_parameters="json",
            response_elements="json",
            resources="json",
            source="str",
            source_object="str",
        ),
        _schema(
            "cloudtrail_log_files",
            "One row per CloudTrail log prefix and day listed in a trail bucket "
            "(ListObjectsV2 per day, archive pages' sources); resource_type 'log_day', region "
            "the log region; counts are <NA> where the listing failed (listed False).",
            bucket="str",
            key_prefix="str",
            day_time="time",
            listed="bool",
            list_error_code="str",
            log_files="int",
            bytes="int",
            files_read="int",
            records_total="int",
        ),
        _schema(
            "collection_gaps",
            "One row per API call that failed; resource_type 'api_call', resource_id "
            "'<service>:<Operation>'.",
            service="str",
            operation="str",
            error_code="str",
            error_message="str",
            request_json="json",
        ),
    ]
}


def schema_for(name: str) -> FrameSchema:
    """Return the declared schema of frame ``name``."""
    try:
        return SCHEMAS[name]
    except KeyError:
        raise SchemaError(f"unknown frame {name!r}; known: {', '.join(sorted(SCHEMAS))}") from None
