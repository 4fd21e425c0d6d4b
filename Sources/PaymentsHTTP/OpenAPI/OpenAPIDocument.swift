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
                  },
                  "grace_period_days": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 365,
                    "description": "Default grace period length in days for plans without one (else 7)."
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
      },
      "patch": {
        "operationId": "updateApp",
        "summary": "Rename an app or set its default grace period",
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
                  "name": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100,
                    "pattern": "\\S"
                  },
                  "grace_period_days": {
                    "type": [
                      "integer",
                      "null"
                    ],
                    "minimum": 0,
                    "maximum": 365,
                    "description": "null: back to 7 days"
                  }
                }
              }
            }
          }
        },
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
          },
          "409": {
            "$ref": "#/components/responses/IdempotencyConflict"
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
    },
    "/v1/plans": {
      "post": {
        "operationId": "createPlan",
        "summary": "Create a plan with its prices",
        "description": "Audited as CREATE_PLAN. Prices are created at the app's provider (or linked with `provider_price_id`, which is checked); a failed sync is retried on first use.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Idempotency-Key"
          },
          {
            "$ref": "#/components/parameters/X-Actor-Id"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/PlanInput"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "Created, and synced to the provider where it can be",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Plan"
                }
              }
            }
          },
          "409": {
            "$ref": "#/components/responses/IdempotencyConflict"
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
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
        "operationId": "listPlans",
        "summary": "The app's plans, newest first",
        "parameters": [
          {
            "$ref": "#/components/parameters/limit"
          },
          {
            "$ref": "#/components/parameters/starting_after_plan"
          },
          {
            "name": "active",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "true",
                "false"
              ]
            }
          }
        ],
        "responses": {
          "200": {
            "description": "A page",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/PlanList"
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
    "/v1/plans/{key}": {
      "parameters": [
        {
          "name": "key",
          "in": "path",
          "required": true,
          "schema": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_.-]{1,64}$"
          },
          "description": "The plan's key, e.g. pro"
        }
      ],
      "get": {
        "operationId": "getPlan",
        "summary": "A plan by key",
        "responses": {
          "200": {
            "description": "The plan",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Plan"
                }
              }
            }
          },
          "404": {
            "description": "`plan_not_found`, also for another app's plan",
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
      },
      "patch": {
        "operationId": "updatePlan",
        "summary": "Change a plan",
        "description": "Audited as UPDATE_PLAN. A new amount creates a new provider price and deactivates the old one, as Stripe requires.",
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
                "$ref": "#/components/schemas/PlanUpdate"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Updated",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Plan"
                }
              }
            }
          },
          "404": {
            "description": "`plan_not_found`",
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
      "delete": {
        "operationId": "archivePlan",
        "summary": "Archive a plan",
        "parameters": [
          {
            "$ref": "#/components/parameters/Idempotency-Key"
          },
          {
            "$ref": "#/components/parameters/X-Actor-Id"
          }
        ],
        "responses": {
          "200": {
            "description": "Archived: readable, its subscriptions run on, it cannot be bought",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Plan"
                }
              }
            }
          },
          "404": {
            "description": "`plan_not_found`",
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
      }
    },
    "/v1/payments": {
      "post": {
        "operationId": "createPayment",
        "summary": "Charge a customer once",
        "description": "Audited as CREATE_PAYMENT. The provider call carries an operation id recorded before the call; a retry with the same Idempotency-Key resumes that operation (looks the payment up first) and never charges twice.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Idempotency-Key"
          },
          {
            "$ref": "#/components/parameters/X-Actor-Id"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/PaymentInput"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "Charged (or pending at the provider)",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Payment"
                }
              }
            }
          },
          "402": {
            "description": "`card_declined` with the provider's `decline_code`; the failed payment is recorded",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "`customer_not_found`",
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
          },
          "503": {
            "description": "The provider is unavailable (`provider_unavailable`), or did not answer (`provider_outcome_unknown`: retry with the same Idempotency-Key).",
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
        "operationId": "listPayments",
        "summary": "The app's payments, newest first",
        "parameters": [
          {
            "$ref": "#/components/parameters/limit"
          },
          {
            "$ref": "#/components/parameters/starting_after_payment"
          },
          {
            "name": "customer",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 255,
              "pattern": "^[^\\u0000-\\u0020\\u007f/]+$"
            },
            "description": "Only this customer's (external id)"
          }
        ],
        "responses": {
          "200": {
            "description": "A page",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/PaymentList"
                }
              }
            }
          },
          "404": {
            "description": "`customer_not_found` for the `customer` filter",
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
    "/v1/payments/{id}": {
      "parameters": [
        {
          "name": "id",
          "in": "path",
          "required": true,
          "schema": {
            "type": "string",
            "minLength": 1
          },
          "description": "The payment's id (pay_...)"
        }
      ],
      "get": {
        "operationId": "getPayment",
        "summary": "A payment with its refunds",
        "responses": {
          "200": {
            "description": "The payment",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Payment"
                }
              }
            }
          },
          "404": {
            "description": "`payment_not_found`, also for another app's payment",
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
    "/v1/payments/{id}/refunds": {
      "parameters": [
        {
          "name": "id",
          "in": "path",
          "required": true,
          "schema": {
            "type": "string",
            "minLength": 1
          },
          "description": "The payment's id (pay_...)"
        }
      ],
      "post": {
        "operationId": "createRefund",
        "summary": "Refund a payment in whole or in part",
        "description": "`refund_exceeds_payment` (400) when more is asked than remains (refunds in flight count). Audited as CREATE_REFUND.",
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
                "$ref": "#/components/schemas/RefundInput"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "Refunded",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Refund"
                }
              }
            }
          },
          "404": {
            "description": "`payment_not_found`",
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
          },
          "503": {
            "description": "The provider is unavailable (`provider_unavailable`), or did not answer (`provider_outcome_unknown`: retry with the same Idempotency-Key).",
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
    },
    "/v1/subscriptions": {
      "post": {
        "operationId": "createSubscription",
        "summary": "Start a subscription",
        "description": "Audited as CREATE_SUBSCRIPTION. Crash-safe like payments.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Idempotency-Key"
          },
          {
            "$ref": "#/components/parameters/X-Actor-Id"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/SubscriptionInput"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "Started: trialing, active, or incomplete when the first charge failed",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Subscription"
                }
              }
            }
          },
          "404": {
            "description": "`plan_not_found`, `price_not_found` or `customer_not_found`",
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
          },
          "503": {
            "description": "The provider is unavailable (`provider_unavailable`), or did not answer (`provider_outcome_unknown`: retry with the same Idempotency-Key).",
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
        "operationId": "listSubscriptions",
        "summary": "The app's subscriptions, newest first",
        "parameters": [
          {
            "$ref": "#/components/parameters/limit"
          },
          {
            "$ref": "#/components/parameters/starting_after_subscription"
          },
          {
            "name": "customer",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 255,
              "pattern": "^[^\\u0000-\\u0020\\u007f/]+$"
            },
            "description": "Only this customer's (external id)"
          },
          {
            "name": "status",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "trialing",
                "active",
                "past_due",
                "unpaid",
                "canceled",
                "incomplete",
                "incomplete_expired",
                "paused"
              ]
            }
          }
        ],
        "responses": {
          "200": {
            "description": "A page",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SubscriptionList"
                }
              }
            }
          },
          "404": {
            "description": "`customer_not_found` for the `customer` filter",
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
    "/v1/subscriptions/{id}": {
      "parameters": [
        {
          "name": "id",
          "in": "path",
          "required": true,
          "schema": {
            "type": "string",
            "minLength": 1
          },
          "description": "The subscription's id (sub_...)"
        }
      ],
      "get": {
        "operationId": "getSubscription",
        "summary": "A subscription",
        "responses": {
          "200": {
            "description": "The subscription",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Subscription"
                }
              }
            }
          },
          "404": {
            "description": "`subscription_not_found`, also for another app's subscription",
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
      },
      "patch": {
        "operationId": "updateSubscription",
        "summary": "Change plan, price or quantity",
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
                "$ref": "#/components/schemas/SubscriptionUpdate"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Updated",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Subscription"
                }
              }
            }
          },
          "404": {
            "description": "`subscription_not_found`, `plan_not_found` or `price_not_found`",
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
          },
          "503": {
            "description": "The provider is unavailable (`provider_unavailable`), or did not answer (`provider_outcome_unknown`: retry with the same Idempotency-Key).",
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
    },
    "/v1/subscriptions/{id}/cancel": {
      "parameters": [
        {
          "name": "id",
          "in": "path",
          "required": true,
          "schema": {
            "type": "string",
            "minLength": 1
          },
          "description": "The subscription's id (sub_...)"
        }
      ],
      "post": {
        "operationId": "cancelSubscription",
        "summary": "Cancel now or at the end of the period",
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
                "$ref": "#/components/schemas/SubscriptionCancel"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Canceled, or set to cancel at period end",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Subscription"
                }
              }
            }
          },
          "404": {
            "description": "`subscription_not_found`",
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
          },
          "503": {
            "description": "The provider is unavailable (`provider_unavailable`), or did not answer (`provider_outcome_unknown`: retry with the same Idempotency-Key).",
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
    },
    "/v1/checkout-sessions": {
      "post": {
        "operationId": "createCheckoutSession",
        "summary": "Open a hosted checkout page",
        "description": "Subscription mode needs a recurring price, payment mode a one-time price. Audited as CREATE_CHECKOUT_SESSION.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Idempotency-Key"
          },
          {
            "$ref": "#/components/parameters/X-Actor-Id"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/CheckoutSessionInput"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "Send the buyer to `url`",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CheckoutSession"
                }
              }
            }
          },
          "404": {
            "description": "`plan_not_found`, `price_not_found` or `customer_not_found`",
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
          },
          "503": {
            "description": "The provider is unavailable (`provider_unavailable`), or did not answer (`provider_outcome_unknown`: retry with the same Idempotency-Key).",
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
    },
    "/v1/checkout-sessions/{id}": {
      "parameters": [
        {
          "name": "id",
          "in": "path",
          "required": true,
          "schema": {
            "type": "string",
            "minLength": 1
          },
          "description": "Our id (cs_...) or the provider's"
        }
      ],
      "get": {
        "operationId": "getCheckoutSession",
        "summary": "A checkout session, brought up to date from the provider",
        "responses": {
          "200": {
            "description": "The session; once complete, with the subscription or payment it made",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CheckoutSession"
                }
              }
            }
          },
          "404": {
            "description": "`checkout_session_not_found`",
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
          },
          "503": {
            "description": "The provider is unavailable (`provider_unavailable`), or did not answer (`provider_outcome_unknown`: retry with the same Idempotency-Key).",
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
    },
    "/v1/portal-sessions": {
      "post": {
        "operationId": "createPortalSession",
        "summary": "A link to the provider's billing portal",
        "parameters": [
          {
            "$ref": "#/components/parameters/Idempotency-Key"
          },
          {
            "$ref": "#/components/parameters/X-Actor-Id"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/PortalSessionInput"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "Send the customer to `url`",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/PortalSession"
                }
              }
            }
          },
          "404": {
            "description": "`customer_not_found`",
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
          },
          "503": {
            "description": "The provider is unavailable (`provider_unavailable`), or did not answer (`provider_outcome_unknown`: retry with the same Idempotency-Key).",
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
    },
    "/v1/providers": {
      "get": {
        "operationId": "listProviders",
        "summary": "Providers this app can use and their capabilities",
        "responses": {
          "200": {
            "description": "Every provider",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ProviderList"
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
    "/v1/provider-accounts/{provider}": {
      "parameters": [
        {
          "name": "provider",
          "in": "path",
          "required": true,
          "schema": {
            "type": "string",
            "enum": [
              "stripe"
            ]
          }
        }
      ],
      "put": {
        "operationId": "putProviderAccount",
        "summary": "Set the app's own provider account",
        "description": "Secrets are sealed at rest (AES-256-GCM, key from APP_SECRET by HKDF), shown back only as their last 4 characters, never logged or audited. Audited as SET_PROVIDER_ACCOUNT.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Idempotency-Key"
          },
          {
            "$ref": "#/components/parameters/X-Actor-Id"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/ProviderAccountInput"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "Set",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ProviderAccount"
                }
              }
            }
          },
          "200": {
            "description": "Replaced",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ProviderAccount"
                }
              }
            }
          },
          "404": {
            "description": "`provider_not_found`",
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
      }
    },
    "/v1/test-clock/advance": {
      "post": {
        "operationId": "advanceTestClock",
        "summary": "Move a test-mode app's clock forward",
        "parameters": [
          {
            "$ref": "#/components/parameters/Idempotency-Key"
          },
          {
            "$ref": "#/components/parameters/X-Actor-Id"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/TestClockAdvance"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The app's new time; renewals, trial ends and failed renewals that fell due have run",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/TestClock"
                }
              }
            }
          },
          "404": {
            "description": "`route_not_found` for a live-mode app",
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
          },
          "503": {
            "description": "The provider is unavailable (`provider_unavailable`), or did not answer (`provider_outcome_unknown`: retry with the same Idempotency-Key).",
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
    },
    "/webhooks/stripe": {
      "post": {
        "operationId": "receiveStripeWebhook",
        "summary": "Stripe events of the platform account",
        "description": "Verified with STRIPE_WEBHOOK_SECRET (each secret tried, for rotation); routed to the app named in the object's metadata.",
        "security": [],
        "parameters": [
          {
            "name": "Stripe-Signature",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "t=<unix time>,v1=<hex HMAC-SHA256 of \"t.body\">; any matching v1 under any configured secret; older than STRIPE_WEBHOOK_TOLERANCE (300 s) is refused"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "description": "A Stripe event, exactly as Stripe sent it"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Verified and stored (or a duplicate); processed afterwards by the inbox worker",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WebhookReceipt"
                }
              }
            }
          },
          "400": {
            "description": "`webhook_signature_invalid` (nothing stored) or `webhook_payload_invalid`",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
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
      }
    },
    "/webhooks/stripe/{app_id}": {
      "parameters": [
        {
          "name": "app_id",
          "in": "path",
          "required": true,
          "schema": {
            "type": "string"
          },
          "description": "The app whose own Stripe account (PUT /v1/provider-accounts/stripe) sends here"
        }
      ],
      "post": {
        "operationId": "receiveAppStripeWebhook",
        "summary": "Stripe events of an app's own account",
        "description": "Verified with the app's own webhook secrets; an unknown app fails like a bad signature.",
        "security": [],
        "parameters": [
          {
            "name": "Stripe-Signature",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "t=<unix time>,v1=<hex HMAC-SHA256 of \"t.body\">; any matching v1 under any configured secret; older than STRIPE_WEBHOOK_TOLERANCE (300 s) is refused"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "description": "A Stripe event, exactly as Stripe sent it"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Verified and stored (or a duplicate); processed afterwards by the inbox worker",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WebhookReceipt"
                }
              }
            }
          },
          "400": {
            "description": "`webhook_signature_invalid` (nothing stored) or `webhook_payload_invalid`",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
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
      }
    },
    "/v1/grace-periods": {
      "get": {
        "operationId": "listGracePeriods",
        "summary": "Grace periods, newest first",
        "description": "A failed invoice opens one (length: the plan's grace_period_days, else the app's, else 7 days, on the app's clock); a paid invoice or payment resolves it; the expiry worker (and a test-clock advance) ends it.",
        "parameters": [
          {
            "$ref": "#/components/parameters/limit"
          },
          {
            "$ref": "#/components/parameters/starting_after_grace"
          },
          {
            "name": "customer",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 255,
              "pattern": "^[^\\u0000-\\u0020\\u007f/]+$"
            }
          },
          {
            "name": "status",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "open",
                "resolved",
                "expired"
              ]
            }
          }
        ],
        "responses": {
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "200": {
            "description": "A page",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/GracePeriodList"
                }
              }
            }
          },
          "404": {
            "description": "`customer_not_found` for the `customer` filter",
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
    },
    "/v1/grace-periods/{id}/resolve": {
      "parameters": [
        {
          "name": "id",
          "in": "path",
          "required": true,
          "schema": {
            "type": "string",
            "minLength": 1
          },
          "description": "grace_..."
        }
      ],
      "post": {
        "operationId": "resolveGracePeriod",
        "summary": "Resolve a grace period by hand (audited, with a reason)",
        "description": "400 `grace_period_not_open` when it is resolved or expired already.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Idempotency-Key"
          },
          {
            "$ref": "#/components/parameters/X-Actor-Id"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/GracePeriodResolve"
              }
            }
          }
        },
        "responses": {
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "200": {
            "description": "Resolved",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/GracePeriod"
                }
              }
            }
          },
          "404": {
            "description": "`grace_period_not_found`, also for another app's",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
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
      }
    },
    "/v1/customers/{external_id}/billing-summary": {
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
      "get": {
        "operationId": "getBillingSummary",
        "summary": "Where the customer stands, for the app's UI",
        "description": "The customer's most relevant subscription (one with access first, newest first), its plan and period, an open grace period, and the last payment (a one-time payment or a paid invoice). Nothing secret.",
        "responses": {
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "200": {
            "description": "The summary",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/BillingSummary"
                }
              }
            }
          },
          "404": {
            "description": "`customer_not_found`, also for another app's",
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
    },
    "/v1/webhook-endpoints": {
      "post": {
        "operationId": "createWebhookEndpoint",
        "summary": "Register an endpoint for events",
        "description": "The answer carries the signing secret `whsec_...`, shown this once. At most 16 endpoints per app (400 `webhook_endpoint_limit`).",
        "parameters": [
          {
            "$ref": "#/components/parameters/Idempotency-Key"
          },
          {
            "$ref": "#/components/parameters/X-Actor-Id"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/WebhookEndpointInput"
              }
            }
          }
        },
        "responses": {
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "201": {
            "description": "Created, with its secret",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WebhookEndpoint"
                }
              }
            }
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
        "operationId": "listWebhookEndpoints",
        "summary": "Webhook endpoints, newest first",
        "parameters": [
          {
            "$ref": "#/components/parameters/limit"
          },
          {
            "$ref": "#/components/parameters/starting_after_webhook_endpoint"
          }
        ],
        "responses": {
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "200": {
            "description": "A page",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WebhookEndpointList"
                }
              }
            }
          }
        }
      }
    },
    "/v1/webhook-endpoints/{id}": {
      "parameters": [
        {
          "name": "id",
          "in": "path",
          "required": true,
          "schema": {
            "type": "string",
            "minLength": 1
          },
          "description": "we_..."
        }
      ],
      "get": {
        "operationId": "getWebhookEndpoint",
        "summary": "One endpoint (without its secret)",
        "responses": {
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "200": {
            "description": "The endpoint",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WebhookEndpoint"
                }
              }
            }
          },
          "404": {
            "description": "`webhook_endpoint_not_found`, also for another app's or a deleted one",
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
      "patch": {
        "operationId": "updateWebhookEndpoint",
        "summary": "Change the event types or description",
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
                "$ref": "#/components/schemas/WebhookEndpointUpdate"
              }
            }
          }
        },
        "responses": {
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "200": {
            "description": "Updated",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WebhookEndpoint"
                }
              }
            }
          },
          "404": {
            "description": "`webhook_endpoint_not_found`",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
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
      "delete": {
        "operationId": "deleteWebhookEndpoint",
        "summary": "Delete an endpoint",
        "description": "Its pending deliveries become `dead` (`endpoint deleted`).",
        "parameters": [
          {
            "$ref": "#/components/parameters/Idempotency-Key"
          },
          {
            "$ref": "#/components/parameters/X-Actor-Id"
          }
        ],
        "responses": {
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "200": {
            "description": "Deleted",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/DeletedWebhookEndpoint"
                }
              }
            }
          },
          "404": {
            "description": "`webhook_endpoint_not_found`",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
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
      }
    },
    "/v1/webhook-endpoints/{id}/rotate-secret": {
      "parameters": [
        {
          "name": "id",
          "in": "path",
          "required": true,
          "schema": {
            "type": "string",
            "minLength": 1
          },
          "description": "we_..."
        }
      ],
      "post": {
        "operationId": "rotateWebhookSecret",
        "summary": "New signing secret, with an overlap",
        "description": "Until `previous_secret_expires_at` deliveries carry two signatures (new and old), so the receiver can switch without losing one.",
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
                "$ref": "#/components/schemas/WebhookEndpointRotate"
              }
            }
          }
        },
        "responses": {
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "200": {
            "description": "The endpoint with its new secret",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WebhookEndpoint"
                }
              }
            }
          },
          "404": {
            "description": "`webhook_endpoint_not_found`",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
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
      }
    },
    "/v1/events": {
      "get": {
        "operationId": "listEvents",
        "summary": "Events, newest first, or a replayable stream",
        "description": "With `after_sequence=N`: oldest first from sequence N+1, to catch up after downtime (page with the last sequence seen).",
        "parameters": [
          {
            "$ref": "#/components/parameters/limit"
          },
          {
            "$ref": "#/components/parameters/starting_after_event"
          },
          {
            "name": "after_sequence",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 0
            },
            "description": "Not with starting_after."
          },
          {
            "name": "type",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "checkout.completed",
                "customer.created",
                "customer.updated",
                "subscription.created",
                "subscription.activated",
                "subscription.updated",
                "subscription.past_due",
                "subscription.canceled",
                "subscription.trial_ending",
                "payment.succeeded",
                "payment.failed",
                "payment.refunded",
                "invoice.paid",
                "grace_period.started",
                "grace_period.resolved",
                "grace_period.expired"
              ]
            }
          },
          {
            "name": "customer",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 255,
              "pattern": "^[^\\u0000-\\u0020\\u007f/]+$"
            }
          }
        ],
        "responses": {
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "200": {
            "description": "A page",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/EventList"
                }
              }
            }
          },
          "404": {
            "description": "`customer_not_found` for the `customer` filter",
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
    },
    "/v1/events/{id}": {
      "parameters": [
        {
          "name": "id",
          "in": "path",
          "required": true,
          "schema": {
            "type": "string",
            "minLength": 1
          },
          "description": "evt_..."
        }
      ],
      "get": {
        "operationId": "getEvent",
        "summary": "One event, as delivered",
        "responses": {
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "200": {
            "description": "The event",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Event"
                }
              }
            }
          },
          "404": {
            "description": "`event_not_found`, also for another app's",
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
    },
    "/v1/event-deliveries": {
      "get": {
        "operationId": "listEventDeliveries",
        "summary": "Deliveries, newest first",
        "description": "One per event and endpoint. Retries: at once, then 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 3 h, 6 h, 12 h, 24 h, 24 h, 24 h after each failure (each up to 20 % longer at random); 2xx is success, anything else or no answer within 15 s a failure; after the 13th failed attempt `dead`.",
        "parameters": [
          {
            "$ref": "#/components/parameters/limit"
          },
          {
            "$ref": "#/components/parameters/starting_after_event_delivery"
          },
          {
            "name": "status",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string",
              "enum": [
                "pending",
                "succeeded",
                "dead"
              ]
            }
          },
          {
            "name": "endpoint",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "we_..."
          },
          {
            "name": "event",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "evt_..."
          }
        ],
        "responses": {
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "200": {
            "description": "A page",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/EventDeliveryList"
                }
              }
            }
          },
          "404": {
            "description": "`webhook_endpoint_not_found` / `event_not_found` for a filter",
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
    },
    "/v1/event-deliveries/{id}": {
      "parameters": [
        {
          "name": "id",
          "in": "path",
          "required": true,
          "schema": {
            "type": "string",
            "minLength": 1
          },
          "description": "dlv_..."
        }
      ],
      "get": {
        "operationId": "getEventDelivery",
        "summary": "One delivery",
        "responses": {
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "200": {
            "description": "The delivery",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/EventDelivery"
                }
              }
            }
          },
          "404": {
            "description": "`event_delivery_not_found`, also for another app's",
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
    },
    "/v1/event-deliveries/{id}/retry": {
      "parameters": [
        {
          "name": "id",
          "in": "path",
          "required": true,
          "schema": {
            "type": "string",
            "minLength": 1
          },
          "description": "dlv_..."
        }
      ],
      "post": {
        "operationId": "retryEventDelivery",
        "summary": "Send a delivery again now",
        "description": "Whatever its state: a dead one gets one more attempt, a failing one skips its wait. 400 `webhook_endpoint_deleted` when its endpoint is gone; 409 `event_delivery_in_flight` while a worker is sending it (a second attempt would deliver it twice).",
        "parameters": [
          {
            "$ref": "#/components/parameters/Idempotency-Key"
          },
          {
            "$ref": "#/components/parameters/X-Actor-Id"
          }
        ],
        "responses": {
          "409": {
            "description": "`event_delivery_in_flight`, or an Idempotency-Key reused with another request",
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
          },
          "200": {
            "description": "Due now",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/EventDelivery"
                }
              }
            }
          },
          "404": {
            "description": "`event_delivery_not_found`",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
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
      },
      "starting_after_plan": {
        "name": "starting_after",
        "in": "query",
        "required": false,
        "schema": {
          "type": "string",
          "pattern": "^plan_[0-9a-hjkmnp-tv-z]{26}$"
        },
        "description": "The id of the last plan of the previous page"
      },
      "starting_after_payment": {
        "name": "starting_after",
        "in": "query",
        "required": false,
        "schema": {
          "type": "string",
          "pattern": "^pay_[0-9a-hjkmnp-tv-z]{26}$"
        },
        "description": "The id of the last payment of the previous page"
      },
      "starting_after_subscription": {
        "name": "starting_after",
        "in": "query",
        "required": false,
        "schema": {
          "type": "string",
          "pattern": "^sub_[0-9a-hjkmnp-tv-z]{26}$"
        },
        "description": "The id of the last subscription of the previous page"
      },
      "starting_after_grace": {
        "name": "starting_after",
        "in": "query",
        "required": false,
        "schema": {
          "type": "string",
          "pattern": "^grace_[0-9a-hjkmnp-tv-z]{26}$"
        },
        "description": "The id of the last grace period of the previous page"
      },
      "starting_after_webhook_endpoint": {
        "name": "starting_after",
        "in": "query",
        "required": false,
        "schema": {
          "type": "string",
          "pattern": "^we_[0-9a-hjkmnp-tv-z]{26}$"
        },
        "description": "The id of the last webhook endpoint of the previous page"
      },
      "starting_after_event": {
        "name": "starting_after",
        "in": "query",
        "required": false,
        "schema": {
          "type": "string",
          "pattern": "^evt_[0-9a-hjkmnp-tv-z]{26}$"
        },
        "description": "The id of the last event of the previous page"
      },
      "starting_after_event_delivery": {
        "name": "starting_after",
        "in": "query",
        "required": false,
        "schema": {
          "type": "string",
          "pattern": "^dlv_[0-9a-hjkmnp-tv-z]{26}$"
        },
        "description": "The id of the last delivery of the previous page"
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
                  "api_error",
                  "card_error",
                  "provider_error"
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
              },
              "decline_code": {
                "type": "string",
                "description": "The issuer's reason, on `card_declined`"
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
          "grace_period_days",
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
          "grace_period_days": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 0,
            "maximum": 365,
            "description": "Grace period length when the plan names none; null: 7 days."
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
              "UPDATE_APP",
              "ROTATE_KEY",
              "REVOKE_KEY",
              "CREATE_CUSTOMER",
              "UPDATE_CUSTOMER",
              "CREATE_PLAN",
              "UPDATE_PLAN",
              "ARCHIVE_PLAN",
              "LINK_PROVIDER_OBJECT",
              "SET_PROVIDER_ACCOUNT",
              "CREATE_PAYMENT",
              "UPDATE_PAYMENT",
              "CREATE_REFUND",
              "UPDATE_REFUND",
              "CREATE_SUBSCRIPTION",
              "UPDATE_SUBSCRIPTION",
              "CANCEL_SUBSCRIPTION",
              "CREATE_CHECKOUT_SESSION",
              "UPDATE_CHECKOUT_SESSION",
              "CREATE_PORTAL_SESSION",
              "ADVANCE_TEST_CLOCK",
              "OPEN_GRACE_PERIOD",
              "RESOLVE_GRACE_PERIOD",
              "EXPIRE_GRACE_PERIOD",
              "RECORD_INVOICE_PAYMENT",
              "CREATE_WEBHOOK_ENDPOINT",
              "UPDATE_WEBHOOK_ENDPOINT",
              "DELETE_WEBHOOK_ENDPOINT",
              "ROTATE_WEBHOOK_SECRET",
              "RETRY_EVENT_DELIVERY"
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
      },
      "PriceInput": {
        "oneOf": [
          {
            "type": "object",
            "additionalProperties": false,
            "required": [
              "key",
              "type",
              "amount",
              "currency"
            ],
            "properties": {
              "key": {
                "type": "string",
                "pattern": "^[A-Za-z0-9_.-]{1,64}$"
              },
              "type": {
                "const": "one_time"
              },
              "amount": {
                "type": "integer",
                "minimum": 0,
                "maximum": 99999999,
                "description": "Minor units (cents; yen for jpy)"
              },
              "currency": {
                "type": "string",
                "enum": [
                  "usd",
                  "eur"
                ],
                "description": "ISO 4217, lowercase"
              },
              "provider_price_id": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255
              }
            }
          },
          {
            "type": "object",
            "additionalProperties": false,
            "required": [
              "key",
              "type",
              "amount",
              "currency",
              "interval"
            ],
            "properties": {
              "key": {
                "type": "string",
                "pattern": "^[A-Za-z0-9_.-]{1,64}$"
              },
              "type": {
                "const": "recurring"
              },
              "amount": {
                "type": "integer",
                "minimum": 0,
                "maximum": 99999999,
                "description": "Minor units (cents; yen for jpy)"
              },
              "currency": {
                "type": "string",
                "enum": [
                  "usd",
                  "eur"
                ],
                "description": "ISO 4217, lowercase"
              },
              "provider_price_id": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255
              },
              "interval": {
                "type": "string",
                "enum": [
                  "month",
                  "year"
                ]
              },
              "interval_count": {
                "type": "integer",
                "minimum": 1,
                "maximum": 12,
                "description": "At most 12 months or 1 year"
              }
            }
          },
          {
            "type": "object",
            "additionalProperties": false,
            "required": [
              "key",
              "type",
              "currency",
              "interval",
              "metric"
            ],
            "properties": {
              "key": {
                "type": "string",
                "pattern": "^[A-Za-z0-9_.-]{1,64}$"
              },
              "type": {
                "const": "metered"
              },
              "currency": {
                "type": "string",
                "enum": [
                  "usd",
                  "eur"
                ],
                "description": "ISO 4217, lowercase"
              },
              "metric": {
                "type": "string",
                "pattern": "^[A-Za-z0-9_.-]{1,64}$"
              },
              "unit_amount": {
                "type": "integer",
                "minimum": 0,
                "maximum": 99999999,
                "description": "Minor units (cents; yen for jpy)"
              },
              "tiers_mode": {
                "type": "string",
                "enum": [
                  "graduated",
                  "volume"
                ]
              },
              "tiers": {
                "type": "array",
                "minItems": 1,
                "maxItems": 250,
                "items": {
                  "type": "object",
                  "additionalProperties": false,
                  "properties": {
                    "up_to": {
                      "type": [
                        "integer",
                        "null"
                      ],
                      "minimum": 1,
                      "maximum": 9223372036854775807
                    },
                    "unit_amount": {
                      "type": "integer",
                      "minimum": 0,
                      "maximum": 99999999,
                      "description": "Minor units (cents; yen for jpy)"
                    },
                    "flat_amount": {
                      "type": "integer",
                      "minimum": 0,
                      "maximum": 99999999,
                      "description": "Minor units (cents; yen for jpy)"
                    }
                  }
                }
              },
              "included_quantity": {
                "type": "integer",
                "minimum": 0,
                "maximum": 9223372036854775807
              },
              "provider_price_id": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255
              },
              "interval": {
                "type": "string",
                "enum": [
                  "month",
                  "year"
                ]
              },
              "interval_count": {
                "type": "integer",
                "minimum": 1,
                "maximum": 12,
                "description": "At most 12 months or 1 year"
              }
            },
            "oneOf": [
              {
                "required": [
                  "unit_amount"
                ],
                "not": {
                  "anyOf": [
                    {
                      "required": [
                        "tiers"
                      ]
                    },
                    {
                      "required": [
                        "tiers_mode"
                      ]
                    }
                  ]
                }
              },
              {
                "required": [
                  "tiers",
                  "tiers_mode"
                ],
                "not": {
                  "required": [
                    "unit_amount"
                  ]
                }
              }
            ]
          }
        ],
        "description": "A one-time, recurring or metered price. A metered price has `unit_amount` or `tiers` (with `tiers_mode`); tiers have increasing `up_to` and only the last has none. A yearly interval has `interval_count` 1. Keys are unique within the plan."
      },
      "PlanInput": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "key",
          "name",
          "prices"
        ],
        "properties": {
          "key": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_.-]{1,64}$"
          },
          "name": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255
          },
          "description": {
            "type": [
              "string",
              "null"
            ],
            "maxLength": 5000
          },
          "trial_period_days": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 0,
            "maximum": 730
          },
          "grace_period_days": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 0,
            "maximum": 365
          },
          "features": {
            "type": [
              "array",
              "null"
            ],
            "maxItems": 100,
            "uniqueItems": true,
            "items": {
              "type": "string",
              "pattern": "^[A-Za-z0-9_.-]{1,64}$"
            }
          },
          "limits": {
            "type": [
              "object",
              "null"
            ],
            "maxProperties": 100,
            "propertyNames": {
              "pattern": "^[A-Za-z0-9_.-]{1,64}$"
            },
            "additionalProperties": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807
            }
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
          },
          "prices": {
            "type": "array",
            "minItems": 1,
            "maxItems": 20,
            "items": {
              "$ref": "#/components/schemas/PriceInput"
            }
          }
        }
      },
      "PlanUpdate": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "name": {
            "type": [
              "string",
              "null"
            ],
            "minLength": 1,
            "maxLength": 255
          },
          "description": {
            "type": [
              "string",
              "null"
            ],
            "maxLength": 5000
          },
          "trial_period_days": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 0,
            "maximum": 730
          },
          "grace_period_days": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 0,
            "maximum": 365
          },
          "features": {
            "type": [
              "array",
              "null"
            ],
            "maxItems": 100,
            "uniqueItems": true,
            "items": {
              "type": "string",
              "pattern": "^[A-Za-z0-9_.-]{1,64}$"
            }
          },
          "limits": {
            "type": [
              "object",
              "null"
            ],
            "maxProperties": 100,
            "propertyNames": {
              "pattern": "^[A-Za-z0-9_.-]{1,64}$"
            },
            "additionalProperties": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807
            }
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
          },
          "prices": {
            "type": [
              "array",
              "null"
            ],
            "minItems": 1,
            "maxItems": 20,
            "items": {
              "$ref": "#/components/schemas/PriceInput"
            }
          },
          "active": {
            "type": [
              "boolean",
              "null"
            ]
          }
        },
        "description": "Absent fields stay; `null` clears description, trial_period_days and grace_period_days; `prices` replaces the whole list (unchanged prices are kept, changed ones get a new version, missing ones are archived)."
      },
      "Price": {
        "type": "object",
        "required": [
          "id",
          "object",
          "key",
          "type",
          "amount",
          "currency",
          "active",
          "provider_price_id",
          "created_at"
        ],
        "properties": {
          "id": {
            "type": "string",
            "pattern": "^price_"
          },
          "object": {
            "const": "price"
          },
          "key": {
            "type": "string"
          },
          "type": {
            "type": "string",
            "enum": [
              "one_time",
              "recurring",
              "metered"
            ]
          },
          "amount": {
            "type": [
              "integer",
              "null"
            ]
          },
          "currency": {
            "type": "string"
          },
          "interval": {
            "type": [
              "string",
              "null"
            ]
          },
          "interval_count": {
            "type": [
              "integer",
              "null"
            ]
          },
          "metric": {
            "type": [
              "string",
              "null"
            ]
          },
          "unit_amount": {
            "type": [
              "integer",
              "null"
            ]
          },
          "tiers_mode": {
            "type": [
              "string",
              "null"
            ]
          },
          "tiers": {
            "type": [
              "array",
              "null"
            ]
          },
          "included_quantity": {
            "type": [
              "integer",
              "null"
            ]
          },
          "active": {
            "type": "boolean"
          },
          "provider_price_id": {
            "type": [
              "string",
              "null"
            ],
            "description": "The price at the app's current provider once synced, or the one the app linked"
          },
          "created_at": {
            "type": "string",
            "format": "date-time"
          }
        }
      },
      "Plan": {
        "type": "object",
        "required": [
          "id",
          "object",
          "key",
          "name",
          "active",
          "prices",
          "features",
          "limits",
          "metadata",
          "provider",
          "created_at",
          "updated_at"
        ],
        "properties": {
          "id": {
            "type": "string",
            "pattern": "^plan_"
          },
          "object": {
            "const": "plan"
          },
          "key": {
            "type": "string"
          },
          "name": {
            "type": "string"
          },
          "description": {
            "type": [
              "string",
              "null"
            ]
          },
          "active": {
            "type": "boolean"
          },
          "prices": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Price"
            }
          },
          "trial_period_days": {
            "type": [
              "integer",
              "null"
            ]
          },
          "grace_period_days": {
            "type": [
              "integer",
              "null"
            ]
          },
          "features": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "limits": {
            "type": "object",
            "additionalProperties": {
              "type": "integer"
            }
          },
          "metadata": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            }
          },
          "provider": {
            "type": "string",
            "enum": [
              "sandbox",
              "stripe"
            ]
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
      "PlanList": {
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
              "$ref": "#/components/schemas/Plan"
            }
          },
          "has_more": {
            "type": "boolean"
          }
        }
      },
      "PaymentInput": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "customer",
          "amount",
          "currency",
          "payment_method"
        ],
        "properties": {
          "customer": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[^\\u0000-\\u0020\\u007f/]+$",
            "description": "The customer's external id"
          },
          "amount": {
            "type": "integer",
            "minimum": 1,
            "maximum": 99999999,
            "description": "Minor units (cents; yen for jpy)"
          },
          "currency": {
            "type": "string",
            "enum": [
              "usd",
              "eur"
            ],
            "description": "ISO 4217, lowercase"
          },
          "payment_method": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "description": "A provider payment method id; the sandbox takes pm_sandbox_visa, pm_sandbox_declined, pm_sandbox_fails_later"
          },
          "description": {
            "type": [
              "string",
              "null"
            ],
            "maxLength": 1000
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
      "Refund": {
        "type": "object",
        "required": [
          "id",
          "object",
          "payment_id",
          "amount",
          "currency",
          "reason",
          "status",
          "provider_refund_id",
          "created_at",
          "updated_at"
        ],
        "properties": {
          "id": {
            "type": "string",
            "pattern": "^re_"
          },
          "object": {
            "const": "refund"
          },
          "payment_id": {
            "type": "string"
          },
          "amount": {
            "type": "integer"
          },
          "currency": {
            "type": "string"
          },
          "reason": {
            "type": [
              "string",
              "null"
            ]
          },
          "status": {
            "type": "string",
            "enum": [
              "pending",
              "succeeded",
              "failed",
              "canceled",
              "unknown"
            ]
          },
          "provider_refund_id": {
            "type": [
              "string",
              "null"
            ]
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
      "Payment": {
        "type": "object",
        "required": [
          "id",
          "object",
          "customer_id",
          "amount",
          "currency",
          "amount_refunded",
          "status",
          "description",
          "metadata",
          "provider",
          "provider_payment_id",
          "failure",
          "created_at",
          "updated_at"
        ],
        "properties": {
          "id": {
            "type": "string",
            "pattern": "^pay_"
          },
          "object": {
            "const": "payment"
          },
          "customer_id": {
            "type": "string",
            "pattern": "^cus_"
          },
          "amount": {
            "type": "integer"
          },
          "currency": {
            "type": "string"
          },
          "amount_refunded": {
            "type": "integer"
          },
          "status": {
            "type": "string",
            "enum": [
              "pending",
              "processing",
              "requires_action",
              "succeeded",
              "failed",
              "canceled",
              "unknown"
            ],
            "description": "`unknown`: the provider did not answer; the service reconciles it by looking it up, never by charging again"
          },
          "description": {
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
          "provider": {
            "type": "string"
          },
          "provider_payment_id": {
            "type": [
              "string",
              "null"
            ]
          },
          "failure": {
            "type": [
              "object",
              "null"
            ],
            "properties": {
              "code": {
                "type": "string"
              },
              "decline_code": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "message": {
                "type": "string"
              }
            }
          },
          "refunds": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Refund"
            },
            "description": "On a single payment only"
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
      "PaymentList": {
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
              "$ref": "#/components/schemas/Payment"
            }
          },
          "has_more": {
            "type": "boolean"
          }
        }
      },
      "RefundInput": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "amount": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 1,
            "maximum": 99999999,
            "description": "Minor units; absent = all that remains"
          },
          "reason": {
            "type": [
              "string",
              "null"
            ],
            "enum": [
              "duplicate",
              "fraudulent",
              "requested_by_customer",
              null
            ]
          }
        }
      },
      "SubscriptionInput": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "customer",
          "plan"
        ],
        "properties": {
          "customer": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[^\\u0000-\\u0020\\u007f/]+$"
          },
          "plan": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_.-]{1,64}$"
          },
          "price": {
            "type": [
              "string",
              "null"
            ],
            "pattern": "^[A-Za-z0-9_.-]{1,64}$",
            "description": "The price key; may be left out when the plan has one recurring price"
          },
          "quantity": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 1,
            "maximum": 10000
          },
          "trial_period_days": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 0,
            "maximum": 730,
            "description": "Defaults to the plan's"
          },
          "payment_method": {
            "type": [
              "string",
              "null"
            ],
            "minLength": 1,
            "maxLength": 255,
            "description": "A provider payment method id; the sandbox takes pm_sandbox_visa, pm_sandbox_declined, pm_sandbox_fails_later"
          }
        }
      },
      "SubscriptionUpdate": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "plan": {
            "type": [
              "string",
              "null"
            ],
            "pattern": "^[A-Za-z0-9_.-]{1,64}$"
          },
          "price": {
            "type": [
              "string",
              "null"
            ],
            "pattern": "^[A-Za-z0-9_.-]{1,64}$"
          },
          "quantity": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 1,
            "maximum": 10000
          },
          "proration_behavior": {
            "type": [
              "string",
              "null"
            ],
            "enum": [
              "create_prorations",
              "none",
              "always_invoice",
              null
            ]
          }
        },
        "description": "At least one of plan, price or quantity."
      },
      "SubscriptionCancel": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "at_period_end": {
            "type": [
              "boolean",
              "null"
            ],
            "default": false
          }
        }
      },
      "Subscription": {
        "type": "object",
        "required": [
          "id",
          "object",
          "customer_id",
          "plan_id",
          "price_id",
          "quantity",
          "status",
          "provider",
          "cancel_at_period_end",
          "created_at",
          "updated_at"
        ],
        "properties": {
          "id": {
            "type": "string",
            "pattern": "^sub_"
          },
          "object": {
            "const": "subscription"
          },
          "customer_id": {
            "type": "string"
          },
          "plan_id": {
            "type": "string"
          },
          "price_id": {
            "type": "string"
          },
          "quantity": {
            "type": "integer"
          },
          "status": {
            "type": "string",
            "enum": [
              "trialing",
              "active",
              "past_due",
              "unpaid",
              "canceled",
              "incomplete",
              "incomplete_expired",
              "paused"
            ]
          },
          "provider": {
            "type": "string"
          },
          "provider_subscription_id": {
            "type": [
              "string",
              "null"
            ]
          },
          "current_period_start": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
          },
          "current_period_end": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
          },
          "trial_end": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
          },
          "cancel_at_period_end": {
            "type": "boolean"
          },
          "canceled_at": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
          },
          "ended_at": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
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
      "SubscriptionList": {
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
              "$ref": "#/components/schemas/Subscription"
            }
          },
          "has_more": {
            "type": "boolean"
          }
        }
      },
      "CheckoutSessionInput": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "customer",
          "mode",
          "plan",
          "success_url"
        ],
        "properties": {
          "customer": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[^\\u0000-\\u0020\\u007f/]+$"
          },
          "mode": {
            "type": "string",
            "enum": [
              "subscription",
              "payment"
            ]
          },
          "plan": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_.-]{1,64}$"
          },
          "price": {
            "type": [
              "string",
              "null"
            ],
            "pattern": "^[A-Za-z0-9_.-]{1,64}$"
          },
          "quantity": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 1,
            "maximum": 10000
          },
          "trial_period_days": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 0,
            "maximum": 730,
            "description": "Subscription mode only"
          },
          "success_url": {
            "type": "string",
            "minLength": 1,
            "maxLength": 2048,
            "pattern": "^https?://",
            "description": "Where the buyer lands after paying; `{CHECKOUT_SESSION_ID}` is replaced by the provider's session id"
          },
          "cancel_url": {
            "type": [
              "string",
              "null"
            ],
            "minLength": 1,
            "maxLength": 2048,
            "pattern": "^https?://",
            "description": "An absolute http(s) URL"
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
      "CheckoutSession": {
        "type": "object",
        "required": [
          "id",
          "object",
          "customer_id",
          "mode",
          "plan_id",
          "price_id",
          "quantity",
          "status",
          "url",
          "expires_at",
          "success_url",
          "metadata",
          "provider",
          "created_at"
        ],
        "properties": {
          "id": {
            "type": "string",
            "pattern": "^cs_"
          },
          "object": {
            "const": "checkout_session"
          },
          "customer_id": {
            "type": "string"
          },
          "mode": {
            "type": "string",
            "enum": [
              "subscription",
              "payment"
            ]
          },
          "plan_id": {
            "type": "string"
          },
          "price_id": {
            "type": "string"
          },
          "quantity": {
            "type": "integer"
          },
          "trial_period_days": {
            "type": [
              "integer",
              "null"
            ]
          },
          "status": {
            "type": "string",
            "enum": [
              "open",
              "complete",
              "expired"
            ]
          },
          "url": {
            "type": [
              "string",
              "null"
            ],
            "description": "Where to send the buyer; null once not open"
          },
          "expires_at": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
          },
          "success_url": {
            "type": "string"
          },
          "cancel_url": {
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
          "provider": {
            "type": "string"
          },
          "provider_session_id": {
            "type": [
              "string",
              "null"
            ]
          },
          "subscription_id": {
            "type": [
              "string",
              "null"
            ]
          },
          "payment_id": {
            "type": [
              "string",
              "null"
            ]
          },
          "created_at": {
            "type": "string",
            "format": "date-time"
          }
        }
      },
      "PortalSessionInput": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "customer"
        ],
        "properties": {
          "customer": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[^\\u0000-\\u0020\\u007f/]+$"
          },
          "return_url": {
            "type": [
              "string",
              "null"
            ],
            "minLength": 1,
            "maxLength": 2048,
            "pattern": "^https?://",
            "description": "An absolute http(s) URL"
          }
        }
      },
      "PortalSession": {
        "type": "object",
        "required": [
          "object",
          "url"
        ],
        "properties": {
          "object": {
            "const": "portal_session"
          },
          "url": {
            "type": "string"
          }
        }
      },
      "Provider": {
        "type": "object",
        "required": [
          "name",
          "object",
          "configured",
          "active",
          "capabilities"
        ],
        "properties": {
          "name": {
            "type": "string",
            "enum": [
              "sandbox",
              "stripe"
            ]
          },
          "object": {
            "const": "provider"
          },
          "configured": {
            "type": "boolean"
          },
          "active": {
            "type": "boolean",
            "description": "Whether this provider serves the app's requests now"
          },
          "account": {
            "type": [
              "string",
              "null"
            ],
            "description": "own, platform or sandbox"
          },
          "capabilities": {
            "type": "array",
            "items": {
              "type": "string",
              "enum": [
                "customers",
                "catalog",
                "checkout",
                "portal",
                "subscriptions",
                "payments",
                "refunds"
              ]
            }
          },
          "secret_key_last4": {
            "type": [
              "string",
              "null"
            ]
          },
          "detail": {
            "type": [
              "string",
              "null"
            ],
            "description": "Why this provider does not serve the app and how to configure it; null when it can"
          }
        }
      },
      "ProviderList": {
        "type": "object",
        "required": [
          "object",
          "data"
        ],
        "properties": {
          "object": {
            "const": "list"
          },
          "data": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Provider"
            }
          }
        }
      },
      "ProviderAccountInput": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "secret_key",
          "webhook_secrets"
        ],
        "properties": {
          "secret_key": {
            "type": "string",
            "maxLength": 255,
            "pattern": "^[sr]k_(test|live)_[A-Za-z0-9_]*$",
            "description": "Must match the app's mode (`provider_mode_mismatch`)"
          },
          "webhook_secrets": {
            "type": "array",
            "minItems": 1,
            "maxItems": 5,
            "items": {
              "type": "string",
              "pattern": "^whsec_[^\\s]+$",
              "maxLength": 255
            },
            "description": "Newest first; every one is tried, so secrets can rotate"
          }
        }
      },
      "ProviderAccount": {
        "type": "object",
        "required": [
          "object",
          "provider",
          "secret_key_last4",
          "webhook_secrets_last4",
          "created_at",
          "updated_at"
        ],
        "properties": {
          "object": {
            "const": "provider_account"
          },
          "provider": {
            "type": "string"
          },
          "secret_key_last4": {
            "type": "string"
          },
          "webhook_secrets_last4": {
            "type": "array",
            "items": {
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
      "TestClockAdvance": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "seconds"
        ],
        "properties": {
          "seconds": {
            "type": "integer",
            "minimum": 1,
            "maximum": 158112000
          }
        }
      },
      "TestClock": {
        "type": "object",
        "required": [
          "object",
          "now",
          "offset_seconds",
          "subscriptions_updated"
        ],
        "properties": {
          "object": {
            "const": "test_clock"
          },
          "now": {
            "type": "string",
            "format": "date-time"
          },
          "offset_seconds": {
            "type": "integer"
          },
          "subscriptions_updated": {
            "type": "integer"
          }
        }
      },
      "WebhookReceipt": {
        "type": "object",
        "required": [
          "received",
          "duplicate"
        ],
        "properties": {
          "received": {
            "const": true
          },
          "duplicate": {
            "type": "boolean",
            "description": "The same event (provider, account, event id) was stored before; nothing changed"
          }
        }
      },
      "GracePeriod": {
        "type": "object",
        "required": [
          "id",
          "object",
          "customer_id",
          "subscription_id",
          "reason",
          "status",
          "starts_at",
          "ends_at",
          "closed_at",
          "resolution",
          "created_at"
        ],
        "properties": {
          "id": {
            "type": "string",
            "pattern": "^grace_"
          },
          "object": {
            "const": "grace_period"
          },
          "customer_id": {
            "type": "string"
          },
          "subscription_id": {
            "type": [
              "string",
              "null"
            ]
          },
          "reason": {
            "type": "string",
            "enum": [
              "payment_failed",
              "manual"
            ]
          },
          "status": {
            "type": "string",
            "enum": [
              "open",
              "resolved",
              "expired"
            ]
          },
          "starts_at": {
            "type": "string",
            "format": "date-time"
          },
          "ends_at": {
            "type": "string",
            "format": "date-time"
          },
          "closed_at": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
          },
          "resolution": {
            "type": [
              "string",
              "null"
            ]
          },
          "created_at": {
            "type": "string",
            "format": "date-time"
          }
        }
      },
      "GracePeriodList": {
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
              "$ref": "#/components/schemas/GracePeriod"
            }
          },
          "has_more": {
            "type": "boolean"
          }
        }
      },
      "GracePeriodResolve": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "reason": {
            "type": [
              "string",
              "null"
            ],
            "minLength": 1,
            "maxLength": 500,
            "description": "Required: why it is resolved (audited)"
          }
        }
      },
      "WebhookEndpointInput": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "url"
        ],
        "properties": {
          "url": {
            "type": "string",
            "maxLength": 2048,
            "description": "Absolute http(s) URL without credentials or fragment; https for a live-mode app. Redirects are not followed."
          },
          "events": {
            "type": "array",
            "maxItems": 16,
            "items": {
              "type": "string",
              "enum": [
                "*",
                "checkout.completed",
                "customer.created",
                "customer.updated",
                "subscription.created",
                "subscription.activated",
                "subscription.updated",
                "subscription.past_due",
                "subscription.canceled",
                "subscription.trial_ending",
                "payment.succeeded",
                "payment.failed",
                "payment.refunded",
                "invoice.paid",
                "grace_period.started",
                "grace_period.resolved",
                "grace_period.expired"
              ]
            },
            "description": "Event types to receive; left out, empty or [\"*\"]: every type."
          },
          "description": {
            "type": "string",
            "maxLength": 500
          }
        }
      },
      "WebhookEndpointUpdate": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "events": {
            "type": "array",
            "maxItems": 16,
            "items": {
              "type": "string",
              "enum": [
                "*",
                "checkout.completed",
                "customer.created",
                "customer.updated",
                "subscription.created",
                "subscription.activated",
                "subscription.updated",
                "subscription.past_due",
                "subscription.canceled",
                "subscription.trial_ending",
                "payment.succeeded",
                "payment.failed",
                "payment.refunded",
                "invoice.paid",
                "grace_period.started",
                "grace_period.resolved",
                "grace_period.expired"
              ]
            }
          },
          "description": {
            "type": [
              "string",
              "null"
            ],
            "maxLength": 500,
            "description": "null clears it"
          }
        }
      },
      "WebhookEndpointRotate": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "expires_in": {
            "type": "integer",
            "minimum": 0,
            "maximum": 604800,
            "description": "Seconds the old secret keeps signing beside the new one (default 86400); 0 ends it now."
          }
        }
      },
      "WebhookEndpoint": {
        "type": "object",
        "required": [
          "id",
          "object",
          "url",
          "description",
          "events",
          "previous_secret_expires_at",
          "created_at",
          "updated_at"
        ],
        "properties": {
          "id": {
            "type": "string",
            "pattern": "^we_"
          },
          "object": {
            "const": "webhook_endpoint"
          },
          "url": {
            "type": "string"
          },
          "description": {
            "type": [
              "string",
              "null"
            ]
          },
          "events": {
            "type": "array",
            "items": {
              "type": "string",
              "enum": [
                "*",
                "checkout.completed",
                "customer.created",
                "customer.updated",
                "subscription.created",
                "subscription.activated",
                "subscription.updated",
                "subscription.past_due",
                "subscription.canceled",
                "subscription.trial_ending",
                "payment.succeeded",
                "payment.failed",
                "payment.refunded",
                "invoice.paid",
                "grace_period.started",
                "grace_period.resolved",
                "grace_period.expired"
              ]
            }
          },
          "secret": {
            "type": "string",
            "pattern": "^whsec_",
            "description": "The signing secret (Standard Webhooks): only in the answer to a create or a rotation."
          },
          "previous_secret_expires_at": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
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
      "WebhookEndpointList": {
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
              "$ref": "#/components/schemas/WebhookEndpoint"
            }
          },
          "has_more": {
            "type": "boolean"
          }
        }
      },
      "DeletedWebhookEndpoint": {
        "type": "object",
        "required": [
          "id",
          "object",
          "deleted"
        ],
        "properties": {
          "id": {
            "type": "string"
          },
          "object": {
            "const": "webhook_endpoint"
          },
          "deleted": {
            "const": true
          }
        }
      },
      "Event": {
        "type": "object",
        "required": [
          "id",
          "object",
          "type",
          "created_at",
          "sequence",
          "data"
        ],
        "description": "Exactly the body delivered to endpoints, signed with headers webhook-id (the event id), webhook-timestamp and webhook-signature (`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`).",
        "properties": {
          "id": {
            "type": "string",
            "pattern": "^evt_"
          },
          "object": {
            "const": "event"
          },
          "type": {
            "type": "string",
            "enum": [
              "checkout.completed",
              "customer.created",
              "customer.updated",
              "subscription.created",
              "subscription.activated",
              "subscription.updated",
              "subscription.past_due",
              "subscription.canceled",
              "subscription.trial_ending",
              "payment.succeeded",
              "payment.failed",
              "payment.refunded",
              "invoice.paid",
              "grace_period.started",
              "grace_period.resolved",
              "grace_period.expired"
            ]
          },
          "created_at": {
            "type": "string",
            "format": "date-time"
          },
          "sequence": {
            "type": "integer",
            "minimum": 1,
            "description": "Increases by one with each event of the app, in commit order."
          },
          "data": {
            "type": "object",
            "required": [
              "object"
            ],
            "properties": {
              "object": {
                "type": "object",
                "description": "The resource as the API shows it: customer, subscription, payment (with refunds), checkout_session, grace_period, or invoice for invoice.paid."
              }
            }
          }
        }
      },
      "EventList": {
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
              "$ref": "#/components/schemas/Event"
            }
          },
          "has_more": {
            "type": "boolean"
          }
        }
      },
      "EventDelivery": {
        "type": "object",
        "required": [
          "id",
          "object",
          "event_id",
          "endpoint_id",
          "status",
          "attempts",
          "next_attempt_at",
          "last_attempt_at",
          "last_response_status",
          "last_error",
          "created_at",
          "updated_at"
        ],
        "properties": {
          "id": {
            "type": "string",
            "pattern": "^dlv_"
          },
          "object": {
            "const": "event_delivery"
          },
          "event_id": {
            "type": "string"
          },
          "endpoint_id": {
            "type": "string"
          },
          "status": {
            "type": "string",
            "enum": [
              "pending",
              "succeeded",
              "dead"
            ]
          },
          "attempts": {
            "type": "integer",
            "minimum": 0
          },
          "next_attempt_at": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
          },
          "last_attempt_at": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
          },
          "last_response_status": {
            "type": [
              "integer",
              "null"
            ]
          },
          "last_error": {
            "type": [
              "string",
              "null"
            ]
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
      "EventDeliveryList": {
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
              "$ref": "#/components/schemas/EventDelivery"
            }
          },
          "has_more": {
            "type": "boolean"
          }
        }
      },
      "BillingSummary": {
        "type": "object",
        "required": [
          "object",
          "customer_id",
          "external_id",
          "status",
          "subscription_id",
          "subscription_status",
          "plan",
          "price",
          "current_period_start",
          "current_period_end",
          "cancel_at_period_end",
          "trial_end",
          "grace_period",
          "last_payment"
        ],
        "properties": {
          "object": {
            "const": "billing_summary"
          },
          "customer_id": {
            "type": "string"
          },
          "external_id": {
            "type": "string"
          },
          "status": {
            "type": "string",
            "enum": [
              "none",
              "trialing",
              "active",
              "past_due",
              "in_grace",
              "canceled"
            ],
            "description": "none: no subscription with access (never subscribed, or awaiting a first payment); past_due: payment failed and no grace period is open; in_grace: payment failed, an open grace period keeps access until grace_period.ends_at."
          },
          "subscription_id": {
            "type": [
              "string",
              "null"
            ]
          },
          "subscription_status": {
            "type": [
              "string",
              "null"
            ]
          },
          "plan": {
            "type": [
              "string",
              "null"
            ],
            "description": "plan key"
          },
          "price": {
            "type": [
              "string",
              "null"
            ],
            "description": "price key"
          },
          "current_period_start": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
          },
          "current_period_end": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
          },
          "cancel_at_period_end": {
            "type": "boolean"
          },
          "trial_end": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
          },
          "grace_period": {
            "type": [
              "object",
              "null"
            ],
            "required": [
              "id",
              "reason",
              "starts_at",
              "ends_at"
            ],
            "properties": {
              "id": {
                "type": "string"
              },
              "reason": {
                "type": "string"
              },
              "starts_at": {
                "type": "string",
                "format": "date-time"
              },
              "ends_at": {
                "type": "string",
                "format": "date-time"
              }
            }
          },
          "last_payment": {
            "type": [
              "object",
              "null"
            ],
            "required": [
              "amount",
              "currency",
              "status",
              "created_at"
            ],
            "properties": {
              "amount": {
                "type": "integer"
              },
              "currency": {
                "type": "string"
              },
              "status": {
                "type": "string"
              },
              "created_at": {
                "type": "string",
                "format": "date-time"
              }
            }
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
        "description": "Bad input; `param` names the parameter. Also `provider_authentication_failed` when the provider refuses the Stripe key configured for the app.",
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
