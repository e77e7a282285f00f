delete from app_public.error_codes where code in ('23505', '23503', '23502', '23514', '23P01', '22P02', '22023', '22003', '22007', '22008', '22032',
  '40001', '40P01', '42501', '54000', '55P03', '57014', '57P01', '57P02', '57P03', '53300', '08006');
comment on table app_public.error_codes is 'Catalogue of the custom SQLSTATE codes that the SQL API raises. Clients map them to typed errors.';
