"""Catalog facts of file connectors: no time filter, files listed by path prefix.

Each reads files under an object's ``path_prefix`` with an Embulk ``parser`` block; a CSV or TSV
parser needs ``columns`` (Embulk's CSV parser has no default), which ``tdgen guess`` fills in.
"""

from __future__ import annotations

from .model import (BOXES_URL, CSV_COLUMNS, LEGACY, TD_BOXES, Connector, Fact, Param, Window,
                    facts_of)

ALL: list[Connector] = []

_NONE = "none: files are listed by path prefix; full loads only"


def _box(name: str) -> str:
    return f"{TD_BOXES} td_load/{name}/config/*.yml"


def _file_params(source: str) -> dict[str, Param]:
    """What every file connector takes per object: where the files are and how to parse them."""
    return {
        "path_prefix": Param("file path prefix of this object", required=True, scope="object",
                             source=source),
        "path_match_pattern": Param("regular expression the paths must match", scope="any"),
        "parser": Param("Embulk parser block (type, delimiter, skip_header_lines, columns)",
                        required=True, scope="any", source=f"{source}; {CSV_COLUMNS}"),
        "decoders": Param("Embulk decoders (gzip, bzip2)", scope="any"),
    }


def _add(type_: str, title: str, docs: str, source: str, params: dict[str, Param],
         **kwargs) -> None:
    confirmed = source != LEGACY
    ALL.append(Connector(
        type=type_, title=title, object_param=None, window=Window("none"),
        default_format=None, default_parallel=3, auth=kwargs.pop("auth", "secrets"),
        params={**params, **_file_params(source)}, objects=(),
        facts={**facts_of(source, confirmed, type=type_,
                          params=", ".join(sorted({**params, **_file_params(source)}))),
               "filtering": Fact(_NONE, source, confirmed)},
        docs=docs, incremental_flag=False, **kwargs))


def _secret(description: str, **kwargs) -> Param:
    return Param(description, secret=True, **kwargs)


_SFTP_KEY = _secret("private key, a mapping {content: <key>} (TD's examples)", wrap="content",
                    source=_box("sftp_v2") + "; " + _box("sftp"))

_add("sftp_v2", "SFTP v2 (files)",
     "https://docs.treasuredata.com/int/sftp_v2-server-import-integration", _box("sftp_v2"), {
         "host": Param("SFTP host", required=True, source=_box("sftp_v2")),
         "port": Param("SFTP port (22)"),
         "auth_method": Param("key_pair (treasure-boxes) | password (legacy templates)"),
         "user": Param("user name", required=True, source=_box("sftp_v2")),
         "password": _secret("password (auth_method: password)"),
         "secret_key_file": _SFTP_KEY,
         "secret_key_passphrase": _secret("passphrase of the private key"),
         "user_directory_is_root": Param("paths are relative to the user's home"),
         "timeout": Param("seconds"),
     }, scaffold_secrets=("host", "user", "password"),
     scaffold_params={"auth_method": "password"})

_add("sftp", "SFTP v1 (files)", BOXES_URL + "sftp",
     _box("sftp"), {
         "host": Param("SFTP host", required=True, source=_box("sftp")),
         "port": Param("SFTP port (22)"),
         "user": Param("user name", required=True, source=_box("sftp")),
         "password": _secret("password"),
         "secret_key_file": _SFTP_KEY,
         "secret_key_passphrase": _secret("passphrase of the private key"),
         "user_directory_is_root": Param("paths are relative to the user's home"),
         "timeout": Param("seconds"),
     }, scaffold_secrets=("host", "user", "secret_key_file"))

_S3 = TD_BOXES + " td_load/s3*; embulk/embulk-input-s3 @ 7efefde6"
_add("s3_v2", "Amazon S3 v2 (files)",
     "https://docs.treasuredata.com/int/amazon-s3-import-integration-v2", _S3, {
         "bucket": Param("S3 bucket", required=True, source=_S3),
         "region": Param("AWS region"),
     }, auth="td_authentication_id")

_add("s3", "Amazon S3 v1 (files)",
     "https://docs.treasuredata.com/display/public/INT/Amazon+S3+Import+Integration", _S3, {
         "bucket": Param("S3 bucket", required=True, source=_S3),
         "access_key_id": _secret("AWS access key id (or a td_authentication_id)"),
         "secret_access_key": _secret("AWS secret access key"),
         "endpoint": Param("S3 endpoint"),
     }, scaffold_secrets=("access_key_id", "secret_access_key"))

_GCS = _box("gcs") + "; embulk/embulk-input-gcs @ 4157b4c7"
_add("gcs", "Google Cloud Storage (files)",
     BOXES_URL + "gcs", _GCS, {
         "bucket": Param("GCS bucket", required=True, source=_GCS),
         "auth_method": Param("json_key (treasure-boxes)"),
         "json_keyfile": _secret("service account JSON key, a mapping {content: <key>}",
                                 wrap="content", source=_GCS),
     }, scaffold_secrets=("json_keyfile",), scaffold_params={"auth_method": "json_key"})

_add("azure_blob_storage", "Azure Blob Storage (files)",
     "https://support.treasuredata.com/hc/en-us/articles/360001405648",
     _box("azure_blob_storage"), {
         "account_name": _secret("storage account name", required=True,
                                 source=_box("azure_blob_storage")),
         "account_key": _secret("storage account key", required=True,
                                source=_box("azure_blob_storage")),
         "container": Param("blob container", required=True, source=_box("azure_blob_storage")),
     })

_add("ftp", "FTP (files)", "https://docs.treasuredata.com/ja/int/ftp-import-integration-cli",
     _box("ftp"), {
         "host": Param("FTP host", required=True, source=_box("ftp")),
         "port": Param("FTP port"),
         "user": Param("user name", source=_box("ftp")),
         "password": _secret("password"),
         "ssl": Param("use FTPS"),
         "ssl_verify": Param("verify the server's certificate"),
     }, scaffold_secrets=("host", "user", "password"))
