/// The OpenAPI 3.1 document served at `/openapi.json`. `OpenAPITests` keeps it equal to the
/// router's routes: a route added without documenting it fails the tests.
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "payment-service",
    "version": "1.0.0",
    "description": "Billing for several SaaS apps. Every app route takes `Authorization: Bearer sk_test_...|sk_live_...`; the app is taken from the key, never from the request, and another app's ids answer 404 like ids that do not exist. Every POST, PUT, PATCH and DELETE accepts `Idempotency-Key`. Errors answer `{\"error\":{\"type\",\"code\",\"message\",\"param\"}}`. Every response carries `Request-Id`. Times are RFC 3339 UTC; ids are prefixed by kind."
  },
  "servers": [
    {
      "url": "http://127.0.0.1:8080"
    }
  ],
  "security": [
    {
      "appKey": []
    }
  ],
  "paths": {
    "/health": {
      "get": {
        "operationId": "health",
        "summary": "Liveness and a database round trip",
        "security": [],
        "responses": {
          "200": {
            "description": "Healthy",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Health"
                }
              }
            }
          },
          "503": {
            "description": "The database does not answer",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Health"
                }
              }
            }
          }
        }
      }
    },
    "/ping": {
      "get": {
        "operationId": "ping",
        "summary": "No-op (the benchmark baseline)",
        "security": [],
        "responses": {
          "200": {
            "description": "Always",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "ok": {
                      "type": "boolean"
                    }
                  }
                }
              }
            }
          }
        }
      }
    },
    "/metrics": {
      "get": {
        "operationId": "metrics",
        "summary": "Prometheus metrics: requests by route and status, latency histogram, database pool",
        "security": [],
        "responses": {
          "200": {
            "description": "Prometheus text format",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          }
        }
      }
    },
    "/openapi.json": {
      "get": {
        "operationId": "openapi",
        "summary": "This document",
        "security": [],
        "responses": {
          "200": {
            "description": "OpenAPI 3.1",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          }
        }
      }
    },
    "/v1/customers": {
      "get": {
        "operationId": "listCustomers",
        "summary": "The app's customers, newest first",
        "parameters": [
          {
            "$ref": "#/components/parameters/limit"
          },
          {
            "$ref": "#/components/parameters/starting_after_customer"
          }
        ],
        "responses": {
          "200": {
            "description": "A page",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CustomerList"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          }
        }
      }
    },
    "/v1/customers/{external_id}": {
      "parameters": [
        {
          "name": "external_id",
          "in": "path",
          "required": true,
          "schema": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[^\\u0000-\\u0020\\u007f/]+$"
          },
          "description": "The app's own id for the customer, e.g. org_42"
        }
      ],
      "put": {
        "operationId": "upsertCustomer",
        "summary": "Create or update a customer by the app's own id",
        "description": "Absent fields are kept, `null` clears a field, metadata merges key by key and an empty value removes its key. Audited as CREATE_CUSTOMER or UPDATE_CUSTOMER.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Idempotency-Key"
          },
          {
            "$ref": "#/components/parameters/X-Actor-Id"
          }
        ],
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/CustomerInput"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "Created",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Customer"
                }
              }
            }
          },
          "200": {
            "description": "Updated",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Customer"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "409": {
            "$ref": "#/components/responses/IdempotencyConflict"
          },
          "413": {
            "description": "Body over the limit (default 1 MiB).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      },
      "get": {
        "operationId": "getCustomer",
        "summary": "A customer by the app's own id",
        "responses": {
          "200": {
            "description": "The customer",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Customer"
                }
              }
            }
          },
          "404": {
            "description": "`customer_not_found`, also for another app's customer",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          }
        }
      }
    },
    "/v1/audit-logs": {
      "get": {
        "operationId": "listAuditLogs",
        "summary": "The app's audit trail, newest first",
        "parameters": [
          {
            "$ref": "#/components/parameters/action_type"
          },
          {
            "$ref": "#/components/parameters/target_type"
          },
          {
            "$ref": "#/components/parameters/target_id"
          },
          {
            "$ref": "#/components/parameters/actor_id"
          },
          {
            "$ref": "#/components/parameters/created_gte"
          },
          {
            "$ref": "#/components/parameters/created_lt"
          },
          {
            "$ref": "#/components/parameters/limit"
          },
          {
            "$ref": "#/components/parameters/starting_after_audit"
          }
        ],
        "responses": {
          "200": {
            "description": "A page",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/AuditLogList"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          }
        }
      }
    },
    "/admin/v1/apps": {
      "post": {
        "operationId": "createApp",
        "summary": "Create an app and its first key",
        "security": [
          {
            "adminToken": []
          }
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/Idempotency-Key"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "required": [
                  "name",
                  "mode"
                ],
                "properties": {
                  "name": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100,
                    "pattern": "\\S",
                    "description": "Leading and trailing spaces are trimmed."
                  },
                  "mode": {
                    "type": "string",
                    "enum": [
                      "test",
                      "live"
                    ]
                  }
                }
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "The app, with its key shown this once",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CreatedApp"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/AdminUnauthorized"
          },
          "403": {
            "$ref": "#/components/responses/AdminOnly"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "409": {
            "$ref": "#/components/responses/IdempotencyConflict"
          }
        }
      },
      "get": {
        "operationId": "listApps",
        "summary": "Apps, newest first",
        "security": [
          {
            "adminToken": []
          }
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/limit"
          },
          {
            "$ref": "#/components/parameters/starting_after_app"
          }
        ],
        "responses": {
          "200": {
            "description": "A page",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/AppList"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/AdminUnauthorized"
          },
          "403": {
            "$ref": "#/components/responses/AdminOnly"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          }
        }
      }
    },
    "/admin/v1/apps/{app_id}": {
      "parameters": [
        {
          "$ref": "#/components/parameters/app_id"
        }
      ],
      "get": {
        "operationId": "getApp",
        "summary": "An app",
        "security": [
          {
            "adminToken": []
          }
        ],
        "responses": {
          "200": {
            "description": "The app",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/App"
                }
              }
            }
          },
          "404": {
            "description": "`app_not_found`",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/AdminUnauthorized"
          },
          "403": {
            "$ref": "#/components/responses/AdminOnly"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          }
        }
      }
    },
    "/admin/v1/apps/{app_id}/keys": {
      "parameters": [
        {
          "$ref": "#/components/parameters/app_id"
        }
      ],
      "get": {
        "operationId": "listKeys",
        "summary": "The app's keys (never their secrets)",
        "security": [
          {
            "adminToken": []
          }
        ],
        "responses": {
          "200": {
            "description": "All keys",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/APIKeyList"
                }
              }
            }
          },
          "404": {
            "description": "`app_not_found`",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/AdminUnauthorized"
          },
          "403": {
            "$ref": "#/components/responses/AdminOnly"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          }
        }
      },
      "post": {
        "operationId": "rotateKey",
        "summary": "Issue a new key; the current keys keep working for the overlap",
        "security": [
          {
            "adminToken": []
          }
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/Idempotency-Key"
          }
        ],
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "expires_in": {
                    "type": [
                      "integer",
                      "null"
                    ],
                    "minimum": 0,
                    "maximum": 2592000,
                    "default": 86400,
                    "description": "Seconds the current keys keep working; 0 ends them now; null or absent means 86400."
                  }
                }
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "The new key, its secret shown this once",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/APIKey"
                }
              }
            }
          },
          "404": {
            "description": "`app_not_found`",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/AdminUnauthorized"
          },
          "403": {
            "$ref": "#/components/responses/AdminOnly"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "409": {
            "$ref": "#/components/responses/IdempotencyConflict"
          }
        }
      }
    },
    "/admin/v1/apps/{app_id}/keys/{key_id}": {
      "parameters": [
        {
          "$ref": "#/components/parameters/app_id"
        },
        {
          "name": "key_id",
          "in": "path",
          "required": true,
          "schema": {
            "type": "string",
            "pattern": "^key_"
          }
        }
      ],
      "delete": {
        "operationId": "revokeKey",
        "summary": "Revoke a key at once",
        "security": [
          {
            "adminToken": []
          }
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/Idempotency-Key"
          }
        ],
        "responses": {
          "200": {
            "description": "The revoked key",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/APIKey"
                }
              }
            }
          },
          "404": {
            "description": "`api_key_not_found`",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/AdminUnauthorized"
          },
          "403": {
            "$ref": "#/components/responses/AdminOnly"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "409": {
            "$ref": "#/components/responses/IdempotencyConflict"
          }
        }
      }
    },
    "/admin/v1/audit-logs": {
      "get": {
        "operationId": "adminListAuditLogs",
        "summary": "Any app's audit trail",
        "security": [
          {
            "adminToken": []
          }
        ],
        "parameters": [
          {
            "name": "app_id",
            "in": "query",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^app_[0-9a-hjkmnp-tv-z]{26}$"
            }
          },
          {
            "$ref": "#/components/parameters/action_type"
          },
          {
            "$ref": "#/components/parameters/target_type"
          },
          {
            "$ref": "#/components/parameters/target_id"
          },
          {
            "$ref": "#/components/parameters/actor_id"
          },
          {
            "$ref": "#/components/parameters/created_gte"
          },
          {
            "$ref": "#/components/parameters/created_lt"
          },
          {
            "$ref": "#/components/parameters/limit"
          },
          {
            "$ref": "#/components/parameters/starting_after_audit"
          }
        ],
        "responses": {
          "200": {
            "description": "A page",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/AuditLogList"
                }
              }
            }
          },
          "404": {
            "description": "`app_not_found`",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/AdminUnauthorized"
          },
          "403": {
            "$ref": "#/components/responses/AdminOnly"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          }
        }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "appKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "An app's API key: sk_test_... or sk_live_..."
      },
      "adminToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "ADMIN_TOKEN"
      }
    },
    "parameters": {
      "limit": {
        "name": "limit",
        "in": "query",
        "required": false,
        "schema": {
          "type": "integer",
          "minimum": 1,
          "maximum": 100,
          "default": 10
        }
      },
      "Idempotency-Key": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": false,
        "schema": {
          "type": "string",
          "minLength": 1,
          "maxLength": 255
        },
        "description": "The same key and request replay the first response with `Idempotent-Replayed: true`; keys are kept 24 h."
      },
      "X-Actor-Id": {
        "name": "X-Actor-Id",
        "in": "header",
        "required": false,
        "schema": {
          "type": "string",
          "minLength": 1,
          "maxLength": 255
        },
        "description": "The app's own actor (a user id), recorded in the audit log beside the key id."
      },
      "app_id": {
        "name": "app_id",
        "in": "path",
        "required": true,
        "schema": {
          "type": "string",
          "pattern": "^app_"
        }
      },
      "action_type": {
        "name": "action_type",
        "in": "query",
        "required": false,
        "schema": {
          "type": "string"
        },
        "description": "e.g. CREATE_CUSTOMER"
      },
      "target_type": {
        "name": "target_type",
        "in": "query",
        "required": false,
        "schema": {
          "type": "string"
        },
        "description": "e.g. customer"
      },
      "target_id": {
        "name": "target_id",
        "in": "query",
        "required": false,
        "schema": {
          "type": "string"
        },
        "description": "the target object's id"
      },
      "actor_id": {
        "name": "actor_id",
        "in": "query",
        "required": false,
        "schema": {
          "type": "string"
        },
        "description": "a key id, `admin`, `system`, or an X-Actor-Id"
      },
      "created_gte": {
        "name": "created[gte]",
        "in": "query",
        "required": false,
        "schema": {
          "anyOf": [
            {
              "type": "integer",
              "minimum": 0,
              "maximum": 253402300799
            },
            {
              "type": "string",
              "format": "date-time"
            }
          ]
        },
        "description": "RFC 3339 time, or Unix seconds from 0 to 253402300799 (the end of year 9999)"
      },
      "created_lt": {
        "name": "created[lt]",
        "in": "query",
        "required": false,
        "schema": {
          "anyOf": [
            {
              "type": "integer",
              "minimum": 0,
              "maximum": 253402300799
            },
            {
              "type": "string",
              "format": "date-time"
            }
          ]
        },
        "description": "RFC 3339 time, or Unix seconds from 0 to 253402300799 (the end of year 9999)"
      },
      "starting_after_customer": {
        "name": "starting_after",
        "in": "query",
        "required": false,
        "schema": {
          "type": "string",
          "pattern": "^cus_[0-9a-hjkmnp-tv-z]{26}$"
        },
        "description": "The id of the last customer of the previous page"
      },
      "starting_after_audit": {
        "name": "starting_after",
        "in": "query",
        "required": false,
        "schema": {
          "type": "string",
          "pattern": "^aud_[0-9a-hjkmnp-tv-z]{26}$"
        },
        "description": "The id of the last audit entry of the previous page"
      },
      "starting_after_app": {
        "name": "starting_after",
        "in": "query",
        "required": false,
        "schema": {
          "type": "string",
          "pattern": "^app_[0-9a-hjkmnp-tv-z]{26}$"
        },
        "description": "The id of the last app of the previous page"
      }
    },
    "schemas": {
      "Error": {
        "type": "object",
        "required": [
          "error"
        ],
        "properties": {
          "error": {
            "type": "object",
            "required": [
              "type",
              "code",
              "message",
              "param"
            ],
            "properties": {
              "type": {
                "type": "string",
                "enum": [
                  "invalid_request_error",
                  "authentication_error",
                  "permission_error",
                  "idempotency_error",
                  "api_error"
                ]
              },
              "code": {
                "type": "string"
              },
              "message": {
                "type": "string"
              },
              "param": {
                "type": [
                  "string",
                  "null"
                ]
              }
            }
          }
        }
      },
      "Health": {
        "type": "object",
        "properties": {
          "status": {
            "type": "string",
            "enum": [
              "ok",
              "unavailable"
            ]
          },
          "database": {
            "type": "string",
            "enum": [
              "ok",
              "unreachable"
            ]
          }
        }
      },
      "CustomerInput": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "name": {
            "type": [
              "string",
              "null"
            ],
            "maxLength": 255
          },
          "email": {
            "type": [
              "string",
              "null"
            ],
            "format": "email"
          },
          "legal_name": {
            "type": [
              "string",
              "null"
            ],
            "maxLength": 255
          },
          "metadata": {
            "type": [
              "object",
              "null"
            ],
            "additionalProperties": {
              "type": "string",
              "maxLength": 500
            },
            "maxProperties": 50,
            "propertyNames": {
              "minLength": 1,
              "maxLength": 40,
              "pattern": "^[^\\[\\]]*$"
            }
          }
        }
      },
      "Customer": {
        "type": "object",
        "required": [
          "id",
          "object",
          "external_id",
          "metadata",
          "created_at",
          "updated_at"
        ],
        "properties": {
          "id": {
            "type": "string",
            "pattern": "^cus_"
          },
          "object": {
            "const": "customer"
          },
          "external_id": {
            "type": "string"
          },
          "name": {
            "type": [
              "string",
              "null"
            ]
          },
          "email": {
            "type": [
              "string",
              "null"
            ]
          },
          "legal_name": {
            "type": [
              "string",
              "null"
            ]
          },
          "metadata": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            }
          },
          "created_at": {
            "type": "string",
            "format": "date-time"
          },
          "updated_at": {
            "type": "string",
            "format": "date-time"
          }
        }
      },
      "CustomerList": {
        "type": "object",
        "required": [
          "object",
          "data",
          "has_more"
        ],
        "properties": {
          "object": {
            "const": "list"
          },
          "data": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Customer"
            }
          },
          "has_more": {
            "type": "boolean"
          }
        }
      },
      "App": {
        "type": "object",
        "required": [
          "id",
          "object",
          "name",
          "mode",
          "created_at"
        ],
        "properties": {
          "id": {
            "type": "string",
            "pattern": "^app_"
          },
          "object": {
            "const": "app"
          },
          "name": {
            "type": "string"
          },
          "mode": {
            "type": "string",
            "enum": [
              "test",
              "live"
            ]
          },
          "created_at": {
            "type": "string",
            "format": "date-time"
          }
        }
      },
      "CreatedApp": {
        "allOf": [
          {
            "$ref": "#/components/schemas/App"
          },
          {
            "type": "object",
            "required": [
              "api_key",
              "api_key_id"
            ],
            "properties": {
              "api_key": {
                "type": "string",
                "description": "Shown this once; stored only as a hash."
              },
              "api_key_id": {
                "type": "string",
                "pattern": "^key_"
              }
            }
          }
        ]
      },
      "AppList": {
        "type": "object",
        "required": [
          "object",
          "data",
          "has_more"
        ],
        "properties": {
          "object": {
            "const": "list"
          },
          "data": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/App"
            }
          },
          "has_more": {
            "type": "boolean"
          }
        }
      },
      "APIKey": {
        "type": "object",
        "required": [
          "id",
          "object",
          "app_id",
          "prefix",
          "state",
          "created_at"
        ],
        "properties": {
          "id": {
            "type": "string",
            "pattern": "^key_"
          },
          "object": {
            "const": "api_key"
          },
          "app_id": {
            "type": "string"
          },
          "prefix": {
            "type": "string",
            "description": "The first 12 characters, to tell keys apart"
          },
          "state": {
            "type": "string",
            "enum": [
              "active",
              "expiring",
              "expired",
              "revoked"
            ]
          },
          "created_at": {
            "type": "string",
            "format": "date-time"
          },
          "expires_at": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
          },
          "revoked_at": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
          },
          "api_key": {
            "type": "string",
            "description": "Only in the response that created the key"
          }
        }
      },
      "APIKeyList": {
        "type": "object",
        "required": [
          "object",
          "data",
          "has_more"
        ],
        "properties": {
          "object": {
            "const": "list"
          },
          "data": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/APIKey"
            }
          },
          "has_more": {
            "type": "boolean"
          }
        }
      },
      "AuditLog": {
        "type": "object",
        "required": [
          "id",
          "object",
          "app_id",
          "sequence",
          "actor_id",
          "action_type",
          "target_type",
          "target_id",
          "payload_snapshot",
          "created_at",
          "previous_hash",
          "hash"
        ],
        "properties": {
          "id": {
            "type": "string",
            "pattern": "^aud_"
          },
          "object": {
            "const": "audit_log"
          },
          "app_id": {
            "type": "string"
          },
          "sequence": {
            "type": "integer",
            "description": "Position in the app's hash chain, from 1"
          },
          "actor_id": {
            "type": "string"
          },
          "key_id": {
            "type": [
              "string",
              "null"
            ]
          },
          "action_type": {
            "type": "string",
            "enum": [
              "CREATE_APP",
              "ROTATE_KEY",
              "REVOKE_KEY",
              "CREATE_CUSTOMER",
              "UPDATE_CUSTOMER"
            ]
          },
          "target_type": {
            "type": "string"
          },
          "target_id": {
            "type": "string"
          },
          "payload_snapshot": {
            "type": "object",
            "description": "The change's effect, secrets redacted"
          },
          "request_id": {
            "type": [
              "string",
              "null"
            ]
          },
          "created_at": {
            "type": "string",
            "format": "date-time"
          },
          "previous_hash": {
            "type": "string"
          },
          "hash": {
            "type": "string",
            "description": "SHA-256 over the entry and previous_hash"
          }
        }
      },
      "AuditLogList": {
        "type": "object",
        "required": [
          "object",
          "data",
          "has_more"
        ],
        "properties": {
          "object": {
            "const": "list"
          },
          "data": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/AuditLog"
            }
          },
          "has_more": {
            "type": "boolean"
          }
        }
      }
    },
    "responses": {
      "Unauthorized": {
        "description": "Missing, malformed, unknown, expired or revoked key (`api_key_missing`, `api_key_invalid`, `api_key_expired`, `api_key_revoked`).",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "BadRequest": {
        "description": "Bad input; `param` names the parameter.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "IdempotencyConflict": {
        "description": "`idempotency_key_reused` (same key, another request) or `idempotency_key_in_use` (the first request is still running).",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "AdminUnauthorized": {
        "description": "Missing or wrong admin token.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "AdminOnly": {
        "description": "An app key was sent to an admin route (`admin_token_required`).",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      }
    }
  }
}
"""#
}

/// The OpenAPI 3.1 document describing every route (what `/openapi.json` serves).
public var openAPIDocument: String { OpenAPIDocument.json }
