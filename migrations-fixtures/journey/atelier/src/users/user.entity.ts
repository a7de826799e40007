import { Column, CreateDateColumn, Entity, OneToMany, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Workshop } from '../workshops/workshop.entity';

export enum UserRole {
  Customer = 'customer',
  Artisan = 'artisan',
  Admin = 'admin',
}

@Entity('user')
export class User {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ unique: true })
  email: string;

  @Column({ name: 'full_name' })
  fullName: string;

  @Column({ type: 'enum', enum: UserRole, default: UserRole.Customer })
  role: UserRole;

  @Column({ type: 'varchar', length: 32, nullable: true })
  phone: string | null;

  @OneToMany(() => Workshop, (workshop) => workshop.artisan)
  workshops: Workshop[];

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt: Date;
}
