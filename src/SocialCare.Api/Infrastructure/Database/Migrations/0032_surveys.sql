-- A feedback survey a rule sent after resolution and the customer has not answered yet (issue 19): the customer's
-- next message, when it is a score on the survey's scale, answers it instead of reopening the conversation.
alter table conversations add column survey_kind text, add column survey_requested_at timestamptz;
