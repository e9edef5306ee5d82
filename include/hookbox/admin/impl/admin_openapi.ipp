//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ADMIN_IMPL_ADMIN_OPENAPI_IPP
#define HOOKBOX_ADMIN_IMPL_ADMIN_OPENAPI_IPP

// The OpenAPI 3.0 document of the admin API: every route `admin_handler::routes()` lists, with its
// parameters, bodies, answers and their schemas. The handler adds `servers` (its prefix).

#include <string_view>

namespace hookbox::admin_detail {

inline constexpr std::string_view openapi_text = R"json({
"openapi": "3.0.3",
"info": {"title": "hookbox admin API", "version": "1",
  "description": "Inspect and operate a hookbox outbox: counters, deliveries and their attempts, redelivery, replay and purge of dead letters, and endpoint health. Every route needs the bearer token. Secrets, credential headers and URL passwords are never shown."},
"security": [{"bearer": []}],
"paths": {
  "/": {"get": {"summary": "The status page (HTML). Takes the token once as ?token=, or in Authorization.",
    "security": [{"bearer": []}, {"query_token": []}],
    "responses": {"200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}},
      "401": {"description": "A page that asks for the token", "content": {"text/html": {"schema": {"type": "string"}}}}}}},
  "/stats": {"get": {"summary": "Rows per status and the age of the oldest pending row",
    "responses": {"200": {"description": "Counters", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Stats"}}}},
      "401": {"$ref": "#/components/responses/Unauthorized"}, "503": {"$ref": "#/components/responses/Unavailable"}}}},
  "/deliveries": {"get": {"summary": "One page of deliveries in enqueue order",
    "parameters": [
      {"name": "status", "in": "query", "schema": {"$ref": "#/components/schemas/Status"}},
      {"name": "webhook", "in": "query", "schema": {"type": "string", "minLength": 1, "maxLength": 64}},
      {"name": "after", "in": "query", "description": "next_cursor of the previous page", "schema": {"type": "integer", "minimum": 0}},
      {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}],
    "responses": {"200": {"description": "A page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DeliveryPage"}}}},
      "400": {"$ref": "#/components/responses/BadInput"}, "401": {"$ref": "#/components/responses/Unauthorized"}}}},
  "/deliveries/{id}": {"get": {"summary": "One delivery with its payload and attempt history",
    "parameters": [{"$ref": "#/components/parameters/DeliveryId"}],
    "responses": {"200": {"description": "The delivery", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DeliveryDetail"}}}},
      "400": {"$ref": "#/components/responses/BadInput"}, "401": {"$ref": "#/components/responses/Unauthorized"},
      "404": {"$ref": "#/components/responses/NotFound"}}}},
  "/deliveries/{id}/redeliver": {"post": {"summary": "Send a finished delivery again (pending, attempts 0)",
    "parameters": [{"$ref": "#/components/parameters/DeliveryId"}],
    "responses": {"200": {"description": "The delivery after the reset", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Delivery"}}}},
      "400": {"$ref": "#/components/responses/BadInput"}, "401": {"$ref": "#/components/responses/Unauthorized"},
      "404": {"$ref": "#/components/responses/NotFound"}, "409": {"$ref": "#/components/responses/NotEligible"}}}},
  "/replay": {"post": {"summary": "Send every finished delivery that matches the filter again",
    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Filter"}}}},
    "responses": {"200": {"description": "How many were reset", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Replayed"}}}},
      "400": {"$ref": "#/components/responses/BadInput"}, "401": {"$ref": "#/components/responses/Unauthorized"},
      "413": {"$ref": "#/components/responses/TooLarge"}}}},
  "/purge": {"post": {"summary": "Delete every delivery that matches the filter, with its attempts (needs confirm: true)",
    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PurgeFilter"}}}},
    "responses": {"200": {"description": "How many were deleted", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Purged"}}}},
      "400": {"$ref": "#/components/responses/BadInput"}, "401": {"$ref": "#/components/responses/Unauthorized"},
      "413": {"$ref": "#/components/responses/TooLarge"}}}},
  "/endpoints": {"get": {"summary": "Endpoints that are failing or not healthy",
    "responses": {"200": {"description": "The endpoints", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EndpointList"}}}},
      "401": {"$ref": "#/components/responses/Unauthorized"}}}},
  "/endpoints/{webhook_id}/disable": {"post": {"summary": "Disable an endpoint: its deliveries are not sent until it is enabled",
    "parameters": [{"$ref": "#/components/parameters/WebhookId"}],
    "requestBody": {"content": {"application/json": {"schema": {"type": "object", "additionalProperties": false,
      "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 256}}}}}},
    "responses": {"200": {"description": "Written to the health store", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EndpointChange"}}}},
      "202": {"description": "Handed to the dispatcher", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EndpointChange"}}}},
      "400": {"$ref": "#/components/responses/BadInput"}, "401": {"$ref": "#/components/responses/Unauthorized"},
      "409": {"$ref": "#/components/responses/NotConfigured"}}}},
  "/endpoints/{webhook_id}/enable": {"post": {"summary": "Enable an endpoint again and close its circuit",
    "parameters": [{"$ref": "#/components/parameters/WebhookId"}],
    "responses": {"200": {"description": "Written to the health store", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EndpointChange"}}}},
      "202": {"description": "Handed to the dispatcher", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EndpointChange"}}}},
      "400": {"$ref": "#/components/responses/BadInput"}, "401": {"$ref": "#/components/responses/Unauthorized"},
      "409": {"$ref": "#/components/responses/NotConfigured"}}}},
  "/openapi.json": {"get": {"summary": "This document",
    "responses": {"200": {"description": "OpenAPI 3.0", "content": {"application/json": {"schema": {"type": "object"}}}},
      "401": {"$ref": "#/components/responses/Unauthorized"}}}},
  "/metrics": {"get": {"summary": "Prometheus text exposition (served when the program configures metrics)",
    "responses": {"200": {"description": "Metrics", "content": {"text/plain; version=0.0.4": {"schema": {"type": "string"}}}},
      "401": {"$ref": "#/components/responses/Unauthorized"}, "404": {"$ref": "#/components/responses/NotFound"}}}}
},
"components": {
  "securitySchemes": {
    "bearer": {"type": "http", "scheme": "bearer"},
    "query_token": {"type": "apiKey", "in": "query", "name": "token"}},
  "parameters": {
    "DeliveryId": {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}},
    "WebhookId": {"name": "webhook_id", "in": "path", "required": true, "description": "Percent-encoded",
      "schema": {"type": "string", "minLength": 1, "maxLength": 64}}},
  "responses": {
    "BadInput": {"description": "Bad input; error.field names it", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "Unauthorized": {"description": "No or wrong bearer token", "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "NotFound": {"description": "No such delivery or route", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "NotEligible": {"description": "The delivery's status does not allow it", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "NotConfigured": {"description": "Neither a dispatcher nor a health store takes endpoint changes", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "TooLarge": {"description": "The body is larger than the limit", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    "Unavailable": {"description": "The storage is busy; try again", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
  "schemas": {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "field", "message"],
      "properties": {"code": {"type": "string"}, "field": {"type": "string"}, "message": {"type": "string"}}}}},
    "Status": {"type": "string", "enum": ["pending", "in_flight", "success", "failed", "dead"]},
    "Time": {"type": "string", "format": "date-time", "example": "2026-05-24T00:00:00.000Z"},
    "Stats": {"type": "object", "required": ["counts", "total", "oldest_pending_age_ms"], "properties": {
      "counts": {"type": "object", "properties": {"pending": {"type": "integer"}, "in_flight": {"type": "integer"},
        "success": {"type": "integer"}, "failed": {"type": "integer"}, "dead": {"type": "integer"}}},
      "total": {"type": "integer"}, "oldest_pending_age_ms": {"type": "integer", "nullable": true}}},
    "Header": {"type": "object", "properties": {"name": {"type": "string"},
      "value": {"type": "string", "description": "<redacted> for a credential"}}},
    "Delivery": {"type": "object", "properties": {
      "id": {"type": "string", "format": "uuid"}, "webhook_id": {"type": "string"}, "event_id": {"type": "string"},
      "event_type": {"type": "string"}, "status": {"$ref": "#/components/schemas/Status"}, "attempts": {"type": "integer"},
      "url": {"type": "string", "description": "User information replaced by ***"}, "method": {"type": "string"},
      "headers": {"type": "array", "items": {"$ref": "#/components/schemas/Header"}},
      "has_secret": {"type": "boolean"}, "timeout_ms": {"type": "integer", "nullable": true},
      "partition_key": {"type": "integer"}, "claimed_by": {"type": "string", "nullable": true},
      "next_retry_at": {"allOf": [{"$ref": "#/components/schemas/Time"}], "nullable": true},
      "last_attempted_at": {"allOf": [{"$ref": "#/components/schemas/Time"}], "nullable": true},
      "response_code": {"type": "integer", "nullable": true}, "error": {"type": "string", "nullable": true},
      "last_duration_ms": {"type": "integer", "nullable": true}, "sequence": {"type": "integer"},
      "created_at": {"$ref": "#/components/schemas/Time"}, "updated_at": {"$ref": "#/components/schemas/Time"}}},
    "Attempt": {"type": "object", "properties": {"number": {"type": "integer"}, "at": {"$ref": "#/components/schemas/Time"},
      "outcome": {"type": "string", "enum": ["success", "pending", "dead"]}, "response_code": {"type": "integer", "nullable": true},
      "duration_ms": {"type": "integer"}, "error": {"type": "string", "nullable": true}}},
    "DeliveryDetail": {"allOf": [{"$ref": "#/components/schemas/Delivery"}, {"type": "object", "properties": {
      "response_body": {"type": "string", "nullable": true}, "payload_kind": {"type": "string", "enum": ["json", "raw"]},
      "payload": {"description": "The body: JSON, or the raw text"},
      "attempt_history": {"type": "array", "items": {"$ref": "#/components/schemas/Attempt"}}}}]},
    "DeliveryPage": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Delivery"}},
      "next_cursor": {"type": "integer", "nullable": true}}},
    "Filter": {"type": "object", "additionalProperties": false, "properties": {
      "status": {"$ref": "#/components/schemas/Status"}, "webhook_id": {"type": "string", "minLength": 1, "maxLength": 64},
      "created_from": {"$ref": "#/components/schemas/Time"}, "created_before": {"$ref": "#/components/schemas/Time"},
      "updated_before": {"$ref": "#/components/schemas/Time"}}},
    "PurgeFilter": {"type": "object", "required": ["confirm"], "additionalProperties": false, "properties": {
      "confirm": {"type": "boolean", "enum": [true]},
      "status": {"$ref": "#/components/schemas/Status"}, "webhook_id": {"type": "string", "minLength": 1, "maxLength": 64},
      "created_from": {"$ref": "#/components/schemas/Time"}, "created_before": {"$ref": "#/components/schemas/Time"},
      "updated_before": {"$ref": "#/components/schemas/Time"}}},
    "Replayed": {"type": "object", "properties": {"replayed": {"type": "integer"}}},
    "Purged": {"type": "object", "properties": {"purged": {"type": "integer"}}},
    "Endpoint": {"type": "object", "properties": {"webhook_id": {"type": "string"},
      "state": {"type": "string", "enum": ["healthy", "failing", "open", "disabled"]}, "disabled": {"type": "boolean"},
      "disabled_reason": {"type": "string", "nullable": true}, "disabled_at": {"allOf": [{"$ref": "#/components/schemas/Time"}], "nullable": true},
      "consecutive_failures": {"type": "integer"}, "failing_since": {"allOf": [{"$ref": "#/components/schemas/Time"}], "nullable": true},
      "open_until": {"allOf": [{"$ref": "#/components/schemas/Time"}], "nullable": true},
      "dead": {"type": "integer"}, "retrying": {"type": "integer"}, "last_error": {"type": "string", "nullable": true},
      "last_failed_at": {"allOf": [{"$ref": "#/components/schemas/Time"}], "nullable": true}}},
    "EndpointList": {"type": "object", "properties": {"endpoints": {"type": "array", "items": {"$ref": "#/components/schemas/Endpoint"}},
      "control": {"type": "string", "enum": ["dispatcher", "health_store", "none"]}}},
    "EndpointChange": {"type": "object", "properties": {"webhook_id": {"type": "string"},
      "requested": {"type": "string", "enum": ["disable", "enable"]}, "control": {"type": "string"},
      "endpoint": {"$ref": "#/components/schemas/Endpoint"}}}
  }
}
})json";

}  // namespace hookbox::admin_detail

#endif  // HOOKBOX_ADMIN_IMPL_ADMIN_OPENAPI_IPP
