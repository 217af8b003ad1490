"""User request and response schemas."""

import marshmallow as ma
from marshmallow import validate

from otto import enums

RESERVED_METADATA_KEYS = {"role", "company_id", "org_id", "tenant_id"}


class UserCreateArgs(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=255))
    email = ma.fields.Email(required=True, validate=validate.Length(max=255))
    username = ma.fields.String(required=True, validate=validate.Length(min=1, max=255))
    role = ma.fields.String(required=True, validate=validate.OneOf(enums.USER_ROLE))
    company_id = ma.fields.String()
    phone_number = ma.fields.String(validate=validate.Length(max=64))
    manager_id = ma.fields.String(validate=validate.Length(max=64))
    first_name = ma.fields.String(validate=validate.Length(max=255))
    last_name = ma.fields.String(validate=validate.Length(max=255))


class UserUpdateArgs(ma.Schema):
    name = ma.fields.String(validate=validate.Length(min=1, max=255))
    email = ma.fields.Email(validate=validate.Length(max=255))
    phone_number = ma.fields.String(validate=validate.Length(max=64))
    role = ma.fields.String(validate=validate.OneOf(enums.USER_ROLE))
    manager_id = ma.fields.String(allow_none=True, validate=validate.Length(max=64))
    first_name = ma.fields.String(validate=validate.Length(max=255))
    last_name = ma.fields.String(validate=validate.Length(max=255))


class MetadataArgs(ma.Schema):
    publicMetadata = ma.fields.Dict()
    privateMetadata = ma.fields.Dict()


class UserBriefSchema(ma.Schema):
    id = ma.fields.String()
    name = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)
    username = ma.fields.String(allow_none=True)
    role = ma.fields.String()
    company_id = ma.fields.String()


class UserSchema(UserBriefSchema):
    phone_number = ma.fields.String(allow_none=True)
    has_clerk_account = ma.fields.Boolean()
    profile = ma.fields.Dict(allow_none=True)
