-- Every server looks, every few seconds, for inventory rule actions
-- claimed but not recorded as sent (their server stopped in between):
-- few rows, found without reading the account's other items.
CREATE INDEX cmp_items_pending ON cmp_items (account_id, updated_at) WHERE action_state = 'Pending';
