-- Keep digits only: '(608) 555-1023' becomes '6085551023'. The old
-- formatting is gone once this runs, so there is no undo script.
UPDATE owners
   SET telephone = regexp_replace(telephone, '[^0-9]', '', 'g')
 WHERE telephone ~ '[^0-9]';
